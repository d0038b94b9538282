import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  type IncomingHttpHeaders,
  type IncomingHttpStatusHeader,
} from 'node:http2';

/**
 * One HTTP/2 session per origin, as a browser keeps one connection per origin and multiplexes
 * every stream of the page on it. A session the server closes (app.close()) is forgotten, and
 * sessions are unref'd so that an open one never holds the test process.
 */
const sessions = new Map<string, ClientHttp2Session>();

export function h2Session(origin: string): ClientHttp2Session {
  const open = sessions.get(origin);
  if (open && !open.closed && !open.destroyed) return open;
  const session = openSession(origin);
  const forget = () => sessions.get(origin) === session && sessions.delete(origin);
  session.on('close', forget);
  session.on('goaway', forget);
  session.on('error', forget);
  sessions.set(origin, session);
  return session;
}

/** A session of its own, as another browser (or another page's connection) would have. */
export function openSession(origin: string): ClientHttp2Session {
  // The test server's certificate is a throwaway self-signed one (test/utils/tls.ts). The flow-control
  // windows are Chromium's (6 MB a stream, 15 MB the session): with Node's 64 KB, a reader that keeps
  // up still has the server buffer what the window will not take, and trips maxBufferedBytes.
  const session = connect(origin, { rejectUnauthorized: false, settings: { initialWindowSize: 6 * 1024 * 1024 } });
  session.on('error', () => undefined);
  session.once('connect', () => session.setLocalWindowSize(15 * 1024 * 1024));
  session.unref();
  return session;
}

export type H2ResponseHeaders = IncomingHttpHeaders & IncomingHttpStatusHeader;

/** A request on the origin's shared session; resolves with the stream once the response head has arrived. */
export function h2Request(
  url: string,
  { method = 'GET', headers = {}, ownSession = false }: { method?: string; headers?: Record<string, string>; ownSession?: boolean } = {},
): Promise<{ stream: ClientHttp2Stream; headers: H2ResponseHeaders }> {
  const { origin, pathname, search } = new URL(url);
  const session = ownSession ? openSession(origin) : h2Session(origin);
  const stream = session.request({ ':method': method, ':path': pathname + search, ...headers }, { endStream: true });
  return new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.once('response', (responseHeaders) => resolve({ stream, headers: responseHeaders }));
  });
}

/** The response headers without HTTP/2's pseudo-headers, as fetch's Headers would hold them. */
export function plainHeaders(headers: H2ResponseHeaders): Headers {
  const plain = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(':') || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [String(value)]) plain.append(name, one);
  }
  return plain;
}
