import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isGone } from './http-pair.js';

/** Where a stream's queued frames go once its head is out. */
export interface StreamWriter {
  /** False once nothing more may be written: ended by anyone, or the connection gone. */
  readonly writable: boolean;
  /** Writes `frames` (non-empty, `bytes` long in total) as one chunk. */
  write(frames: readonly Buffer[], bytes: number): void;
  /** Bytes written but not yet taken by the operating system: what a client that stops reading costs. */
  readonly buffered: number;
}

/**
 * Picks the writer for a response whose head was just written.
 *
 * When Node frames the body in HTTP/1.1 chunks and the response owns its connection, chunks go
 * straight to the socket. Express swaps each response's prototype and then adds properties, which
 * leaves every response object with a hidden class of its own; Node's `res.write` path then misses
 * its inline caches on every call, which cost a quarter of fan-out throughput when each event is
 * its own write. Sockets all share one class. Everything else (HTTP/2, HTTP/1.0 close-delimited
 * bodies) goes through `res.write`.
 */
export function createStreamWriter(res: ServerResponse): StreamWriter {
  // Streams open only once their response has its turn on the connection (see turnOf), but
  // over HTTP/2 `socket` is a stand-in for the session's, which must not be written to.
  const socket = res.socket;
  if (res.chunkedEncoding === true && socket != null) return new ChunkedSocketWriter(res, socket);
  return new ResponseWriter(res);
}

class ResponseWriter implements StreamWriter {
  constructor(private readonly res: ServerResponse) {}

  get writable(): boolean {
    return !isGone(this.res);
  }

  get buffered(): number {
    return this.res.writableLength + (this.res.socket?.writableLength ?? 0);
  }

  write(frames: readonly Buffer[], bytes: number): void {
    this.res.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes));
  }
}

const CRLF = Buffer.from('\r\n');

class ChunkedSocketWriter implements StreamWriter {
  private ended = false;

  constructor(
    res: ServerResponse,
    private readonly socket: Socket,
  ) {
    // res.end() by anyone emits 'prefinish' synchronously while the response owns the socket.
    // After it, a raw chunk would land behind the terminating chunk, where a kept-alive
    // connection's next response begins.
    res.once('prefinish', () => (this.ended = true));
  }

  get writable(): boolean {
    return !this.ended && this.socket.writable;
  }

  get buffered(): number {
    return this.socket.writableLength;
  }

  write(frames: readonly Buffer[], bytes: number): void {
    if (frames.length === 1) this.socket.write(framedOnce(frames[0]!));
    else if (bytes < COPY_LIMIT || frames.length > WRITEV_LIMIT) this.socket.write(chunk(frames, bytes));
    else this.writeUncopied(frames, bytes);
  }

  /**
   * A replay shared by many clients, with a few live frames behind it: handed to the kernel in
   * one writev as it is, rather than copied into a buffer of its own for every client.
   */
  private writeUncopied(frames: readonly Buffer[], bytes: number): void {
    this.socket.cork();
    this.socket.write(`${bytes.toString(16)}\r\n`, 'latin1');
    for (const frame of frames) this.socket.write(frame);
    this.socket.write(CRLF);
    this.socket.uncork();
  }
}

/** Below this, copying frames into one chunk costs less than handing them over one by one. */
const COPY_LIMIT = 64 * 1024;
/** Each write costs a little bookkeeping; past a few frames, one copy is cheaper. */
const WRITEV_LIMIT = 16;

function chunk(frames: readonly Buffer[], bytes: number): Buffer {
  const head = Buffer.from(`${bytes.toString(16)}\r\n`, 'latin1');
  return Buffer.concat([head, ...frames, CRLF], head.length + bytes + CRLF.length);
}

let cached: { frame: Buffer; chunk: Buffer } | undefined;

/** A broadcast hands the same frame to every client in a row: frame it once, not once per client. */
function framedOnce(frame: Buffer): Buffer {
  if (cached?.frame !== frame) cached = { frame, chunk: chunk([frame], frame.length) };
  return cached.chunk;
}
