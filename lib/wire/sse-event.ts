/**
 * One event as `send`, `broadcast` and `sendToGroup` take it: a string, sent as the event's data,
 * or an object of the same shape as Nest's `MessageEvent`, so existing `@Sse()` code can move over.
 */
export type SseEvent = string | SseMessageEvent;

export interface SseMessageEvent {
  /**
   * Strings go out as they are, one `data:` line per line (CRLF, LF and CR all split).
   * Anything else goes out as JSON. Only a pure control frame (`comment` and/or `retry`)
   * may leave it out.
   */
  data?: unknown;
  /** Sets the client's last event id. `''` resets it. CR, LF and NUL are refused. */
  id?: string | number;
  /** The event type the browser dispatches (`addEventListener(type, ...)`). CR and LF are refused. */
  type?: string;
  /** Reconnect delay in ms that the browser uses from now on. */
  retry?: number;
  /** A comment line (`: ...`). Browsers ignore it; proxies see traffic. */
  comment?: string;
}
