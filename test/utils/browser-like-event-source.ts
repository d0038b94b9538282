import { EventSource } from 'eventsource';

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
      const response = await fetch(target, { ...init, headers });
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

function storeCookie(cookies: Map<string, string>, header: string): void {
  const [pair = '', ...attributes] = header.split(';');
  const equals = pair.indexOf('=');
  const name = pair.slice(0, equals).trim();
  const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
  if (expired) cookies.delete(name);
  else cookies.set(name, pair.slice(equals + 1).trim());
}
