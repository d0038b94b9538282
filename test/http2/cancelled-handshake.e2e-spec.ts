import { afterEach, describe, expect, it } from '@jest/globals';
import { createParser } from 'eventsource-parser';
import { type ClientHttp2Session, connect, constants } from 'node:http2';
import { CookieClientIdProvider, InMemoryNoReconnectStore } from '../../lib/index.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

/** The in-memory store, whose lookups wait until the test lets them through. */
class GatedStore extends InMemoryNoReconnectStore {
  private waiting: (() => void)[] = [];
  lookups = 0;

  override async containsClientId(clientId: string): Promise<boolean> {
    this.lookups++;
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    return super.containsClientId(clientId);
  }

  release(): void {
    this.waiting.splice(0).forEach((resolve) => resolve());
  }
}

// Over HTTP/2 (TLS, Fastify), a browser cancels a stream with RST_STREAM while the session lives on.
describe('HTTP/2: a handshake cancelled while the store is asked', () => {
  let sseApp: SseApp;
  let session: ClientHttp2Session | undefined;
  afterEach(async () => {
    session?.destroy();
    await sseApp?.close();
  });

  function request(path: string) {
    const stream = session!.request({ ':path': path, accept: 'text/event-stream' });
    const data: string[] = [];
    const parser = createParser({ onEvent: (event) => data.push(event.data) });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => parser.feed(chunk));
    stream.on('error', () => undefined);
    return { stream, data };
  }

  it('registers nothing, while the other streams of the session go on', async () => {
    const store = new GatedStore();
    sseApp = await startSseApp({
      http2: true,
      sse: { keepalive: false, clientIdProvider: CookieClientIdProvider, noReconnectStore: store },
    });
    session = connect(sseApp.url, { rejectUnauthorized: false });

    const bystander = request('/events');
    await waitFor(() => store.lookups === 1);
    store.release();
    await waitFor(() => sseApp.sse.getClients().length === 1);

    const cancelled = request('/events');
    await waitFor(() => store.lookups === 2);
    cancelled.stream.close(constants.NGHTTP2_CANCEL);
    await new Promise((resolve) => cancelled.stream.once('close', resolve));
    // Time for the server to see the RST_STREAM before the store answers.
    await delay(100);
    store.release();
    await delay(100);

    // Before, the cancelled stream stayed registered for good: it counted and received broadcasts.
    expect(sseApp.sse.getClients()).toHaveLength(1);
    expect(sseApp.sse.getMetrics().connects).toBe(1);
    await sseApp.sse.broadcast('after the cancel');
    await waitFor(() => bystander.data.includes('after the cancel'));
    expect(session.closed).toBe(false);
  });
});
