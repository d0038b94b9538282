import { constants } from 'node:http2';
import { Readable } from 'node:stream';
import { EventSource } from 'eventsource';
import { h2Request, plainHeaders } from './h2-session.js';

export interface BrowserLikeEventSource {
  source: EventSource;
  /** Status codes of every request this EventSource made, in order. */
  statuses: number[];
  /** The URL each of those requests went to. */
  targets: string[];
  /** Cookies it holds, as a browser would. */
  cookies: Map<string, string>;
  /** Resolves on the first `open`. */
  opened: Promise<void>;
  /** Resolves when readyState reaches CLOSED, i.e. it stopped for good. */
  closedForGood: Promise<void>;
  messages: { type: string; data: string; lastEventId: string }[];
}

/**
 * The `eventsource` package with a cookie jar, because Node's fetch keeps no cookies between
 * requests while a browser's EventSource sends them on every reconnect. `url` may be a function
 * that picks the URL of each (re)connect, like a load balancer in front of several instances.
 * Sources given one `cookies` jar are the tabs of one browser.
 */
export function openEventSource(
  url: string | (() => string),
  eventTypes: string[] = [],
  cookies = new Map<string, string>(),
): BrowserLikeEventSource {
  const statuses: number[] = [];
  const targets: string[] = [];
  const messages: BrowserLikeEventSource['messages'] = [];
  // With a chooser, every request's URL comes from it; the constructor's is never fetched.
  const source = new EventSource(typeof url === 'function' ? 'http://load-balancer.invalid/events' : url, {
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
      const target = typeof url === 'function' ? url() : String(input);
      targets.push(target);
      const response = await (target.startsWith('https:') ? h2Fetch : fetch)(target, { ...init, headers });
      statuses.push(response.status);
      for (const cookie of response.headers.getSetCookie()) storeCookie(cookies, cookie);
      return response;
    },
  });
  const record = (event: MessageEvent) => messages.push({ type: event.type, data: event.data, lastEventId: event.lastEventId });
  source.addEventListener('message', record);
  for (const type of eventTypes) source.addEventListener(type, record);
  const opened = new Promise<void>((resolve) => source.addEventListener('open', () => resolve(), { once: true }));
  const closedForGood = new Promise<void>((resolve) =>
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) resolve();
    }),
  );
  return { source, statuses, targets, cookies, opened, closedForGood, messages };
}

/**
 * What a browser's fetch does against an HTTP/2 server: the request goes on the origin's one
 * session. Node's own fetch speaks HTTP/1.1 only. Aborting cancels the stream, not the session.
 */
async function h2Fetch(url: string, init: { method?: string; headers: Headers; signal?: AbortSignal | null }): Promise<Response> {
  const { stream, headers } = await h2Request(url, { method: init.method, headers: Object.fromEntries(init.headers) });
  init.signal?.addEventListener('abort', () => stream.close(constants.NGHTTP2_CANCEL), { once: true });
  const status = Number(headers[':status']);
  const body = status === 204 ? null : (Readable.toWeb(stream) as ReadableStream<Uint8Array>);
  return new Response(body, { status, headers: plainHeaders(headers) });
}

function storeCookie(cookies: Map<string, string>, header: string): void {
  const [pair = '', ...attributes] = header.split(';');
  const equals = pair.indexOf('=');
  const name = pair.slice(0, equals).trim();
  const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
  if (expired) cookies.delete(name);
  else cookies.set(name, pair.slice(equals + 1).trim());
}
