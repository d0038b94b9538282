import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { Conditions } from './wait.js';

/** A stream read the way chat UIs read one: fetch, a body reader, and a spec-compliant parser. */
export interface FetchStream {
  status: number;
  headers: Headers;
  readonly events: EventSourceMessage[];
  /** Resolves when the body ends or the read fails. */
  ended: Promise<void>;
  until(predicate: (stream: FetchStream) => boolean, timeout?: number): Promise<void>;
  close(): void;
}

export async function openFetchStream(url: string, init: RequestInit = {}): Promise<FetchStream> {
  const abort = new AbortController();
  const headers = { accept: 'text/event-stream', ...(init.headers as Record<string, string>) };
  const response = await fetch(url, { ...init, headers, signal: abort.signal });
  const conditions = new Conditions();
  const stream: FetchStream = {
    status: response.status,
    headers: response.headers,
    events: [],
    ended: read(),
    until: (predicate, timeout = 5000) =>
      conditions.until(
        () => predicate(stream),
        timeout,
        () => JSON.stringify(stream.events),
      ),
    close: () => abort.abort(),
  };
  async function read(): Promise<void> {
    const parser = createParser({ onEvent: (event) => stream.events.push(event) });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body ?? []) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        conditions.notify();
      }
    } catch {
      // Aborted, or the connection dropped: the stream has ended either way.
    }
  }
  return stream;
}
