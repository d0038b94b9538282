import type { IncomingMessage } from 'node:http';
import type { SseClient } from './sse-client.js';

interface SseClientEventBase {
  client: SseClient;
  /** The request that opened the stream. */
  request: IncomingMessage;
  /** The Last-Event-ID header the browser sent when it reconnected, if any. */
  lastEventId?: string;
}

export interface SseClientConnectedEvent extends SseClientEventBase {
  /**
   * True when the event log still held `lastEventId`, so the events the client missed are queued
   * for it, ahead of anything sent from now on. False otherwise (no log, no Last-Event-ID, or an
   * id too old to know): send the client a fresh snapshot of whatever state it shows.
   */
  resumed: boolean;
}

/**
 * Why a stream ended:
 * - `client`: the client left or its connection died;
 * - `slow`: the client fell more than `maxBufferedBytes` behind and was dropped; it may reconnect;
 * - `server`: `disconnect()` ended it and the client will be refused (204) when it comes back;
 * - `replaced`: a newer connection arrived with the same client id;
 * - `shutdown`: the application is closing.
 */
export type SseDisconnectReason = 'client' | 'server' | 'replaced' | 'shutdown' | 'slow';

export interface SseClientDisconnectedEvent extends SseClientEventBase {
  reason: SseDisconnectReason;
}

/** Picks recipients in `broadcast` and `sendToGroup`. */
export type SseClientFilter = (client: SseClient) => boolean;
