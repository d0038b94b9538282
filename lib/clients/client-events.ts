import type { IncomingMessage } from 'node:http';
import type { SseDisconnectReason } from '../support/disconnect-reason.js';
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

export interface SseClientDisconnectedEvent extends SseClientEventBase {
  reason: SseDisconnectReason;
}

/** Picks recipients in `broadcast` and `sendToGroup`. */
export type SseClientFilter = (client: SseClient) => boolean;
