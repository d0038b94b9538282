import type { SseCallOptions } from '../support/timeout.js';

/** Who an event was sent to, so a replay goes only to clients that would have received it. */
export type SseEventAudience = { kind: 'all' } | { kind: 'group'; group: string } | { kind: 'client'; clientId: string };

export interface SseLoggedEvent {
  /** The id the event went out with. */
  id: string;
  /** The event's wire form without its `id:` line, which SseService writes from `id`. */
  body: string;
  audience: SseEventAudience;
}

/** An event to log: `id` is the caller's, when it gave one. */
export type SseEventToLog = Omit<SseLoggedEvent, 'id'> & { id?: string };

/** The events after a given id, oldest first; `undefined` when that id is unknown. */
export type SseMissedEvents = readonly SseLoggedEvent[] | undefined;

/**
 * Keeps recent events so that a client that reconnects with Last-Event-ID gets what it missed.
 * Set it with the `eventLog` option of SseModule.forRoot; the default keeps nothing.
 *
 * Either method may answer synchronously or with a promise. SseService keeps the order of
 * events either way, and writes a replay ahead of anything sent after the reconnect.
 */
export interface SseEventLog {
  /**
   * Keeps an event and returns the id it goes out with: the caller's when `event.id` is set,
   * otherwise a new one. New ids never repeat one given before, across restarts too.
   *
   * An append still pending at `options.deadline` counts as failed: the event goes out without
   * a logged id. A remote log must then make sure it is never logged after all, or a log that
   * delivers (see `follow`) or replays it hands the event out a second time.
   */
  append(event: SseEventToLog, options?: SseCallOptions): string | Promise<string>;
  /**
   * The events after the one with `lastEventId`, oldest first; `undefined` when that id is not
   * (or no longer) in the log, so whether anything was missed cannot be known. A read still
   * pending at `options.deadline` counts as failed, and its work can stop (`options.signal`).
   */
  since(lastEventId: string, options?: SseCallOptions): SseMissedEvents | Promise<SseMissedEvents>;
  /**
   * For a log that several instances share. Called once, at startup: from then on, `onEvent`
   * gets every event any instance appends, in log order. SseService then delivers logged events
   * from here, on every instance, the sender's own included: every client sees them in log order,
   * which is what makes a Last-Event-ID an exact place to resume from.
   */
  follow?(onEvent: (event: SseLoggedEvent) => void): Promise<void>;
  /**
   * Optional, for health checks (SseService.checkHealth): resolves when the log can be written and
   * read now, rejects when it cannot. Without it, the health check reports the outage state of
   * the last append or read.
   */
  ping?(options?: SseCallOptions): Promise<void>;
  /**
   * Optional: called once, before anything is appended, by a named SseService (SseModule.forRoot({ name })),
   * so that a log its app shares with other services keeps its events apart, e.g. under a key of its own.
   */
  forService?(name: string): void;
}
