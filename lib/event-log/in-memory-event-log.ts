import { checkCount, checkDuration } from '../options/option-validation.js';
import type { SseEventLog, SseEventToLog, SseLoggedEvent } from './event-log.interface.js';

export interface InMemoryEventLogOptions {
  /** How many events to keep. Default 1000. */
  maxEvents?: number;
  /** How long (ms) an event stays replayable. Default: until it is pushed out by `maxEvents`. */
  maxAge?: number;
}

interface Entry {
  event: SseLoggedEvent;
  at: number;
}

/**
 * The last `maxEvents` events of this instance, in a ring. Ids it assigns are `<epoch>-<n>`: the
 * epoch changes with every start, so an id from before a restart is unknown rather than mistaken
 * for a new event's.
 */
export class InMemoryEventLog implements SseEventLog {
  private readonly maxEvents: number;
  private readonly maxAge: number;
  private readonly ring: (Entry | undefined)[];
  /** Position in the ring of the newest event with each id. */
  private readonly positions = new Map<string, number>();
  private readonly epoch = Date.now().toString(36);
  private sequence = 0;
  /** How many events were ever appended; the next one goes to `appended % maxEvents`. */
  private appended = 0;

  constructor(options: InMemoryEventLogOptions = {}) {
    this.maxEvents = checkCount(options.maxEvents ?? 1000, 'InMemoryEventLog maxEvents');
    this.maxAge = options.maxAge === undefined ? Infinity : checkDuration(options.maxAge, 'InMemoryEventLog maxAge');
    this.ring = new Array(this.maxEvents);
  }

  /** Events held now, expired ones included until they are overwritten. */
  get size(): number {
    return Math.min(this.appended, this.maxEvents);
  }

  append(toLog: SseEventToLog): string {
    const event: SseLoggedEvent = { ...toLog, id: toLog.id ?? `${this.epoch}-${++this.sequence}` };
    const slot = this.appended % this.maxEvents;
    const evicted = this.ring[slot];
    if (evicted && this.positions.get(evicted.event.id) === this.appended - this.maxEvents) {
      this.positions.delete(evicted.event.id);
    }
    this.ring[slot] = { event, at: Date.now() };
    this.positions.set(event.id, this.appended);
    this.appended++;
    return event.id;
  }

  since(lastEventId: string): readonly SseLoggedEvent[] | undefined {
    const position = this.positions.get(lastEventId);
    // Later events are newer, so if the one the client saw last is still fresh, all after it are.
    if (position === undefined || this.ring[position % this.maxEvents]!.at < Date.now() - this.maxAge) return undefined;
    const missed: SseLoggedEvent[] = [];
    for (let next = position + 1; next < this.appended; next++) missed.push(this.ring[next % this.maxEvents]!.event);
    return missed;
  }
}
