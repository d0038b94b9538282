import { get, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';

const LFLF = Buffer.from('\n\n');

/**
 * One open stream, counting complete frames (each ends with a blank line): a response, or a raw
 * socket, whose HTTP head and chunk sizes hold no blank line. The empty comment a stream opens
 * with (so that Firefox fires `open`) is not counted.
 */
export class CountingStream {
  frames = 0;
  private lastByte = 0;
  /** What arrived before the first frame ended, while it is not known whether that was the opening comment. */
  private beforeFirst: Buffer | undefined = Buffer.alloc(0);
  private target = Infinity;
  private onTarget?: () => void;

  /** Resolves when the server ends the stream or the connection closes. */
  readonly ended: Promise<void>;

  constructor(private readonly response: Readable & { headers?: IncomingHttpHeaders }) {
    response.on('data', (chunk: Buffer) => this.count(chunk));
    this.ended = new Promise((resolve) => response.once('close', resolve));
  }

  /** The `name=value` pair of the first cookie the server set on this stream. */
  get cookie(): string | undefined {
    return this.response.headers?.['set-cookie']?.[0]?.split(';')[0];
  }

  /** Calls `done` once `extra` more frames than now have arrived. */
  expect(extra: number, done: () => void): void {
    this.target = this.frames + extra;
    this.onTarget = done;
    if (this.frames >= this.target) this.reached();
  }

  destroy(): void {
    this.response.destroy();
  }

  private count(arrived: Buffer): void {
    const chunk = this.beforeFirst ? this.afterOpening(arrived) : arrived;
    if (!chunk) return;
    if (this.lastByte === 0x0a && chunk[0] === 0x0a) this.frames++;
    for (let at = chunk.indexOf(LFLF); at !== -1; at = chunk.indexOf(LFLF, at + 2)) this.frames++;
    this.lastByte = chunk[chunk.length - 1] ?? 0;
    if (this.frames >= this.target) this.reached();
  }

  /** Holds bytes until the first frame has ended; then what follows it, or everything if it was not `:`. */
  private afterOpening(chunk: Buffer): Buffer | undefined {
    const seen = Buffer.concat([this.beforeFirst!, chunk]);
    const end = seen.indexOf(LFLF);
    if (end === -1) {
      this.beforeFirst = seen;
      return undefined;
    }
    this.beforeFirst = undefined;
    const opening = seen[end - 1] === 0x3a && (end < 2 || seen[end - 2] === 0x0a);
    return opening ? seen.subarray(end + 2) : seen;
  }

  private reached(): void {
    const done = this.onTarget;
    this.onTarget = undefined;
    this.target = Infinity;
    done?.();
  }
}

export interface OpenOptions {
  port: number;
  count: number;
  /** Source address, so rounds do not compete for the same ephemeral ports. */
  localAddress: string;
  concurrency?: number;
  /** Default `/sse`, the bench servers' stream route. */
  path?: string;
}

/** Opens `count` streams, `concurrency` handshakes at a time; resolves when all heads arrived. */
export async function openStreams({ port, count, localAddress, concurrency = 200, path = '/sse' }: OpenOptions): Promise<CountingStream[]> {
  const streams: CountingStream[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      streams.push(await openOne(port, path, localAddress));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return streams;
}

function openOne(port: number, path: string, localAddress: string): Promise<CountingStream> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, localAddress, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) reject(new Error(`stream answered ${res.statusCode}`));
      else resolve(new CountingStream(res));
    });
    req.on('error', reject);
  });
}

/** Resolves once every stream has received `events` more frames; rejects after `timeout` ms. */
export function allReceive(streams: CountingStream[], events: number, timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = streams.length;
    const timer = setTimeout(() => reject(new Error(`${pending} of ${streams.length} streams still short after ${timeout} ms`)), timeout);
    for (const stream of streams) {
      stream.expect(events, () => {
        if (--pending === 0) {
          clearTimeout(timer);
          resolve();
        }
      });
    }
  });
}

export function getJson<T>(port: number, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve((body ? JSON.parse(body) : undefined) as T));
    }).on('error', reject);
  });
}
