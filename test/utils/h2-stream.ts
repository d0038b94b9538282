import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { ClientHttp2Session, ClientHttp2Stream, IncomingHttpHeaders, IncomingHttpStatusHeader } from 'node:http2';
import { Conditions } from './wait.js';

/** One stream of an HTTP/2 session, as a browser's EventSource would open it, parsed as it arrives. */
export interface H2Stream {
  status: number;
  headers: IncomingHttpHeaders & IncomingHttpStatusHeader;
  readonly events: EventSourceMessage[];
  readonly stream: ClientHttp2Stream;
  ended: Promise<void>;
  until(predicate: (stream: H2Stream) => boolean, timeout?: number): Promise<void>;
}

export function openH2Stream(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<H2Stream> {
  const stream = session.request({ ':path': path, accept: 'text/event-stream', ...headers });
  const conditions = new Conditions();
  const events: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const ended = new Promise<void>((resolve) => stream.once('close', resolve));
  stream.on('error', () => undefined);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    parser.feed(chunk);
    conditions.notify();
  });
  void ended.then(conditions.notify);
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('response', (responseHeaders) => {
      const opened: H2Stream = {
        status: Number(responseHeaders[':status']),
        headers: responseHeaders,
        events,
        stream,
        ended,
        until: (predicate, timeout = 5000) =>
          conditions.until(
            () => predicate(opened),
            timeout,
            () => JSON.stringify(events),
          ),
      };
      resolve(opened);
    });
  });
}
