import type { SseEventAudience, SseEventLog } from '../event-log/event-log.interface.js';
import { EVENT_LOG } from '../sse.constants.js';
import type { Metrics } from '../support/metrics.js';
import type { OutageLog } from '../support/outage-log.js';
import { isThenable } from '../support/timeout.js';
import { serializeEvent, serializeIdLine } from '../wire/event-serializer.js';
import { eventFrame, loggedFrame } from '../wire/frames.js';
import type { SseEvent, SseMessageEvent } from '../wire/sse-event.js';

/** An event's bytes, its id, and whether the event log took it and delivers it (see SseEventLog.follow). */
export interface Encoded {
  frame: Buffer;
  id?: string;
  deliveredByLog?: boolean;
}

/** Turns an event into its frame, once, and logs it for replay when there is a log and an audience. */
export class EventEncoder {
  /** The log delivers what it logged (see SseEventLog.follow), so sends of logged events stop at the log. */
  private readonly logDelivers: boolean;

  constructor(
    private readonly log: SseEventLog | null,
    /** The log's outage, shared with the replay's reads of it. */
    private readonly outage: OutageLog,
    private readonly timeout: number,
    private readonly metrics: Metrics,
    /** Called once an event is in the log: the replay reads made before it are stale (see SharedReads). */
    private readonly onLogged: () => void = () => undefined,
  ) {
    this.logDelivers = typeof log?.follow === 'function';
  }

  /**
   * Without an audience (or a log) the event is only encoded. Otherwise it is logged, which
   * gives it an id if it has none. A log that fails is logged once, and the event goes out anyway.
   */
  encode(event: SseEvent, audience: SseEventAudience | undefined): Encoded | Promise<Encoded> {
    this.metrics.sent();
    const message: SseMessageEvent = typeof event === 'string' ? { data: event } : event;
    const log = this.log;
    if (!log || !audience || message.data === undefined) return { frame: eventFrame(message) };
    const callerId = message.id === undefined ? undefined : String(message.id);
    const body = serializeEvent({ ...message, id: undefined });
    const withId = (id: string, logged: boolean): Encoded => {
      if (logged) this.onLogged();
      return { frame: loggedFrame(id, body), id, deliveredByLog: logged && this.logDelivers };
    };
    const unlogged = (): Encoded => (callerId === undefined ? { frame: Buffer.from(body) } : withId(callerId, false));
    // Refuses a bad caller id (TypeError) before anything is logged.
    if (callerId !== undefined) serializeIdLine(callerId);
    try {
      const id = this.outage.track(
        (options) => log.append({ id: callerId, body, audience }, options),
        this.timeout,
        `${EVENT_LOG}.append()`,
      );
      return isThenable(id) ? id.then((logged) => withId(logged, true), unlogged) : withId(id, true);
    } catch {
      return unlogged();
    }
  }
}
