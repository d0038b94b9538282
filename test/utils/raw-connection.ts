import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { connect, type Socket } from 'node:net';

/** A raw TCP connection, to see the exact bytes, framing included. */
export class RawConnection {
  received = Buffer.alloc(0);
  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => (this.received = Buffer.concat([this.received, data])));
  }

  static async open(url: string): Promise<RawConnection> {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    return new RawConnection(socket);
  }

  get(path: string, version = '1.1', headers: Record<string, string> = {}): void {
    const more = Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    this.socket.write(`GET ${path} HTTP/${version}\r\nHost: localhost\r\nAccept: text/event-stream\r\n${more}\r\n`);
  }

  get text(): string {
    return this.received.toString('latin1');
  }

  /** Whether a whole chunked response (head, chunks, terminator) has arrived. */
  get hasCompleteResponse(): boolean {
    return this.text.includes('\r\n\r\n') && readChunked(this.received).complete;
  }
}

export interface ChunkedResponse {
  head: string;
  body: Buffer;
  /** Whether the terminating zero-length chunk arrived. */
  complete: boolean;
  /** Bytes after the terminating chunk. */
  rest: Buffer;
}

/** Splits one chunked HTTP/1.1 response off `bytes`, failing on any framing error. */
export function readChunked(bytes: Buffer): ChunkedResponse {
  const headEnd = bytes.indexOf('\r\n\r\n');
  if (headEnd < 0) throw new Error('no complete response head');
  const head = bytes.subarray(0, headEnd).toString('latin1');
  const parts: Buffer[] = [];
  let at = headEnd + 4;
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) break;
    const sizeText = bytes.subarray(at, lineEnd).toString('latin1');
    if (!/^[0-9a-f]+$/.test(sizeText)) throw new Error(`bad chunk size line ${JSON.stringify(sizeText)} at byte ${at}`);
    const size = parseInt(sizeText, 16);
    const dataEnd = lineEnd + 2 + size;
    if (dataEnd + 2 > bytes.length) break;
    if (bytes.subarray(dataEnd, dataEnd + 2).toString('latin1') !== '\r\n') throw new Error(`chunk at byte ${at} lacks its CRLF`);
    if (size === 0) return { head, body: Buffer.concat(parts), complete: true, rest: bytes.subarray(dataEnd + 2) };
    parts.push(bytes.subarray(lineEnd + 2, dataEnd));
    at = dataEnd + 2;
  }
  return { head, body: Buffer.concat(parts), complete: false, rest: Buffer.alloc(0) };
}

export function parseEvents(body: Buffer | string): EventSourceMessage[] {
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  parser.feed(body.toString());
  return events;
}
