import type { IncomingMessage, ServerResponse } from 'node:http';
import { SseClientNotConnectedError } from '../sse.errors.js';
import type { SseEvent } from '../wire/sse-event.js';
import type { ClientQueue } from './client-queue.js';

/** @internal What a client's own send() and disconnect() do, given by the layer that owns the clients. */
export interface SseClientActions {
  /** Encodes the event (logging it when there is an event log) and queues it for the client, in call order. */
  send(client: SseClient, event: SseEvent): Promise<void>;
  /** Stores the id, then ends the stream; see SseService.disconnect. */
  disconnect(client: SseClient): Promise<void>;
}

/**
 * One open event stream, as the app sees it: who it is, the request that opened it, your own
 * state for it, and the two things you can do to it. The registry keys on this object, and it
 * is the one `clientConnected$` and `clientDisconnected$` hand you.
 */
export class SseClient {
  /** Application state for this connection (user id, tenant, ...). Not kept across reconnects. */
  readonly properties = new Map<string, unknown>();

  /** @internal */
  constructor(
    readonly id: string,
    readonly request: IncomingMessage,
    /** The Last-Event-ID header this connection was opened with, if any. */
    readonly lastEventId: string | undefined,
    /** @internal */
    readonly response: ServerResponse,
    /** @internal */
    readonly queue: ClientQueue,
    private readonly actions: SseClientActions,
  ) {}

  get isConnected(): boolean {
    return this.queue.isOpen;
  }

  /** Queues one event. Rejects with SseClientNotConnectedError once the stream has ended. */
  async send(event: SseEvent): Promise<void> {
    if (!this.isConnected) throw new SseClientNotConnectedError(this.id);
    return this.actions.send(this, event);
  }

  /** Ends the stream and refuses this client's reconnect; see SseService.disconnect. */
  disconnect(): Promise<void> {
    return this.actions.disconnect(this);
  }
}
