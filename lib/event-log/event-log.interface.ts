/** Who an event was sent to, so a replay goes only to clients that would have received it. */
export type SseEventAudience = { kind: 'all' } | { kind: 'group'; group: string } | { kind: 'client'; clientId: string };

export interface SseLoggedEvent {
  id: string;
  /** The event as it went out on the wire, `id:` line included. */
  frame: string;
  audience: SseEventAudience;
}

/**
 * Keeps recent events so that a client that reconnects with Last-Event-ID gets what it missed.
 * Set it with the `eventLog` option of SseModule.forRoot; the default keeps nothing.
 */
export interface SseEventLog {
  /** A new id for an event sent without one. Ids from one log never repeat, across restarts too. */
  nextId(): string;
  append(event: SseLoggedEvent): void;
  /**
   * The events after the one with `lastEventId`, oldest first; `undefined` when that id is not
   * (or no longer) in the log, so whether anything was missed cannot be known.
   */
  since(lastEventId: string): readonly SseLoggedEvent[] | undefined;
}
