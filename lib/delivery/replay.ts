import type { ClientRegistry } from '../clients/client-registry.js';
import { NO_REPLAY, type SseReplay } from '../clients/replay-hold.js';
import type { SseClient } from '../clients/sse-client.js';
import type { SseEventLog, SseLoggedEvent, SseMissedEvents } from '../event-log/event-log.interface.js';
import { EVENT_LOG } from '../sse.constants.js';
import type { OutageLog } from '../support/outage-log.js';
import { isThenable } from '../support/timeout.js';
import { loggedFrame } from '../wire/frames.js';
import { reaches } from './audience.js';
import { SharedReads } from './shared-reads.js';

/**
 * What resuming clients missed: read from the event log, turned into frames once however many
 * clients get them, and which clients are still waiting for theirs.
 */
export class Replay {
  /** Clients whose replay is being read: what is sent meanwhile is held for them (see Dispatcher). */
  readonly resuming = new Set<SseClient>();
  private readonly frames = new WeakMap<SseLoggedEvent, Buffer>();
  private readonly shared = new WeakMap<readonly SseLoggedEvent[], SseReplay | null>();
  private readonly reads = new SharedReads();

  constructor(
    private readonly log: SseEventLog | null,
    /** The log's outage, shared with the encoder's appends. */
    private readonly outage: OutageLog,
    private readonly timeout: number,
    private readonly registry: ClientRegistry,
  ) {}

  /** Never rejects: a log that cannot answer means nothing can be replayed. Clients resuming alike share one read. */
  read(lastEventId: string | undefined): SseMissedEvents | Promise<SseMissedEvents> {
    const log = this.log;
    if (!log || lastEventId === undefined) return undefined;
    return this.reads.get(lastEventId, () => this.readLog(log, lastEventId));
  }

  /** An event was logged or reached this instance: a client that registers from now on needs a read made after it. */
  sawEvent(): void {
    this.reads.invalidate();
  }

  private readLog(log: SseEventLog, lastEventId: string): SseMissedEvents | Promise<SseMissedEvents> {
    try {
      const missed = this.outage.track((options) => log.since(lastEventId, options), this.timeout, `${EVENT_LOG}.since()`);
      return isThenable(missed) ? missed.catch(() => undefined) : missed;
    } catch {
      return undefined;
    }
  }

  /** What `events` hold for this client: all of them, or those sent to its groups or to it. */
  framesFor(client: SseClient, events: readonly SseLoggedEvent[]): SseReplay {
    if (events.length === 0) return NO_REPLAY;
    let forEveryone = this.shared.get(events);
    if (forEveryone === undefined) {
      forEveryone = this.forEveryone(events);
      this.shared.set(events, forEveryone);
    }
    if (forEveryone !== null) return forEveryone;
    const reaching = events.filter(({ audience }) => reaches(audience, client, this.registry));
    return { frames: reaching.map((event) => this.frameOf(event)), ids: new Set(reaching.map(({ id }) => id)) };
  }

  /**
   * A log that answers the clients of a reconnect storm with the same array (RedisStreamEventLog
   * does) gets one replay built for all of them, when every event in it went to everyone: one
   * buffer and one set of ids, rather than a thousand frames and a set per client.
   */
  private forEveryone(events: readonly SseLoggedEvent[]): SseReplay | null {
    if (!events.every(({ audience }) => audience.kind === 'all')) return null;
    return { frames: [Buffer.concat(events.map((event) => this.frameOf(event)))], ids: new Set(events.map(({ id }) => id)) };
  }

  /** Each logged event is encoded once, however many clients it is replayed to. */
  private frameOf(event: SseLoggedEvent): Buffer {
    let frame = this.frames.get(event);
    if (frame === undefined) {
      frame = loggedFrame(event.id, event.body);
      this.frames.set(event, frame);
    }
    return frame;
  }
}
