import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClientQueue, type QueueSettings } from '../../lib/clients/client-queue.js';
import { SseClient, type SseClientActions } from '../../lib/clients/sse-client.js';
import { WriteBatcher } from '../../lib/delivery/write-batcher.js';
import type { StreamWriter } from '../../lib/http/stream-writer.js';
import { Metrics } from '../../lib/support/metrics.js';

/** A stream writer that keeps what each write carried: one entry per write, so batching shows. */
export class RecordingWriter implements StreamWriter {
  readonly writes: string[] = [];
  writable = true;
  /** What the client has not read yet, as the byte cap sees it. */
  buffered = 0;

  write(frames: readonly Buffer[], bytes: number): void {
    this.writes.push(Buffer.concat(frames as Buffer[], bytes).toString());
  }

  /** Every frame written so far, in order. */
  get text(): string {
    return this.writes.join('');
  }
}

/** A response that only ends: what the layers above the HTTP ones ask of one. */
class EndingResponse extends EventEmitter {
  writableEnded = false;
  destroyed = false;
  end(): void {
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export interface QueuedClient {
  client: SseClient;
  writer: RecordingWriter;
  overflowed: () => boolean;
}

/** Queue settings as SseService makes them: a real batcher and real metrics. */
export function queueSettings(maxBufferedBytes = 1024 * 1024): QueueSettings {
  const batcher = new WriteBatcher();
  return { maxBufferedBytes, metrics: new Metrics(), schedule: (queue) => batcher.schedule(queue) };
}

const NO_ACTIONS: SseClientActions = {
  send: async () => undefined,
  disconnect: async () => undefined,
};

/** A client with a real queue, writing to a RecordingWriter: for the routing specs, which need no socket. */
export function queuedClient(id: string, settings = queueSettings(), actions = NO_ACTIONS): QueuedClient {
  const writer = new RecordingWriter();
  const response = new EndingResponse() as unknown as ServerResponse;
  let overflowed = false;
  const queue = new ClientQueue(response, writer, settings, () => (overflowed = true));
  const client = new SseClient(id, {} as IncomingMessage, undefined, response, queue, actions);
  return { client, writer, overflowed: () => overflowed };
}

/** The end of this tick, when queued frames are written. */
export const flushed = () => new Promise<void>((resolve) => setImmediate(resolve));
