import { request, type IncomingHttpHeaders } from 'node:http';
import { connect, constants } from 'node:http2';
import type { Readable } from 'node:stream';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { h2Request } from './h2-session.js';
import { Conditions } from './wait.js';

export interface RawStream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received on the body, as text. */
  readonly body: string;
  readonly events: EventSourceMessage[];
  readonly retries: number[];
  readonly comments: string[];
  /** Resolves when the server ends the response or the connection closes. */
  ended: Promise<void>;
  /** Resolves once `predicate` holds for what has arrived; rejects after `timeout` ms. */
  until(predicate: (stream: RawStream) => boolean, timeout?: number): Promise<void>;
  close(): void;
}

export interface RawStreamOptions {
  method?: string;
  headers?: Record<string, string>;
  /** Over h2, a session of its own rather than the origin's shared one (over HTTP/1.1 every stream has its own connection). */
  ownConnection?: boolean;
}

/**
 * A plain HTTP client for the stream, parsing what arrives with a spec-compliant parser. An
 * https URL is an HTTP/2 server (test/utils/sse-app.ts): the stream is then one of the origin's
 * shared session, and `close()` cancels that stream only.
 */
export async function openRawStream(
  url: string,
  { method = 'GET', headers = { accept: 'text/event-stream' }, ownConnection = false }: RawStreamOptions = {},
): Promise<RawStream> {
  if (url.startsWith('https:')) {
    const { stream, headers: h2Headers } = await h2Request(url, { method, headers, ownSession: ownConnection });
    const { ':status': status, ...plain } = h2Headers;
    const close = () => (ownConnection ? stream.session?.destroy() : stream.close(constants.NGHTTP2_CANCEL));
    return wrap(stream, Number(status), plain, close);
  }
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => resolve(wrap(res, res.statusCode ?? 0, res.headers, () => req.destroy())));
    req.on('error', reject);
    req.end();
  });
}

/**
 * A request sent on a connection of its own, whose response is never read: `destroy()` drops the
 * connection, as a browser closing its tab mid-handshake does (over h2, the session with it).
 */
export function sendRequest(url: string, headers: Record<string, string>): { destroy(): void } {
  if (!url.startsWith('https:')) {
    const req = request(url, { headers });
    req.on('error', () => undefined).end();
    return { destroy: () => req.destroy() };
  }
  const { origin, pathname } = new URL(url);
  const session = connect(origin, { rejectUnauthorized: false }).on('error', () => undefined);
  session.request({ ':path': pathname, ...headers }).on('error', () => undefined);
  return { destroy: () => session.destroy() };
}

function wrap(res: Readable, status: number, headers: IncomingHttpHeaders, destroy: () => void): RawStream {
  const conditions = new Conditions();
  const notify = conditions.notify;
  let body = '';
  const stream: RawStream = {
    status,
    headers,
    get body() {
      return body;
    },
    events: [],
    retries: [],
    comments: [],
    ended: new Promise((resolve) => {
      res.on('end', resolve);
      res.on('close', resolve);
      res.on('error', () => resolve());
    }),
    until: (predicate, timeout = 5000) =>
      conditions.until(
        () => predicate(stream),
        timeout,
        () => JSON.stringify(body),
      ),
    close: destroy,
  };
  const parser = createParser({
    onEvent: (event) => stream.events.push(event),
    onRetry: (retry) => stream.retries.push(retry),
    onComment: (comment) => stream.comments.push(comment),
  });
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    body += chunk;
    parser.feed(chunk);
    notify();
  });
  stream.ended.then(notify);
  return stream;
}

/** The streams one test opens, closed together when it ends (call `closeAll` in afterEach). */
export class StreamPool {
  private readonly streams: RawStream[] = [];

  /** `count` streams opened at once. */
  async open(url: string, count = 1, options?: RawStreamOptions): Promise<RawStream[]> {
    const opened = await Promise.all(Array.from({ length: count }, () => openRawStream(url, options)));
    this.streams.push(...opened);
    return opened;
  }

  closeAll(): void {
    this.streams.splice(0).forEach((stream) => stream.close());
  }
}
