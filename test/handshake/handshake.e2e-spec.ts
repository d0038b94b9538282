import { afterEach, describe, expect, it } from '@jest/globals';
import compression from 'compression';
import { openRawStream } from '../utils/raw-stream.js';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { PLATFORM, type SseApp, startSseApp, TRANSPORT } from '../utils/sse-app.js';
import { waitFor } from '../utils/wait.js';

describe('handshake', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

  it(`runs on the platform under test (${PLATFORM}, ${TRANSPORT})`, async () => {
    sseApp = await startSseApp();
    expect(sseApp.app.getHttpAdapter().getType()).toBe(PLATFORM);
    expect(['express', 'fastify']).toContain(process.env.SSE_PLATFORM);
    expect(sseApp.app.getHttpServer().constructor.name).toBe(TRANSPORT === 'h2' ? 'Http2SecureServer' : 'Server');
  });

  it('answers GET with the SSE headers, flushed before any event', async () => {
    sseApp = await startSseApp();
    // The response callback only runs once the head has arrived, and nothing has been sent yet.
    const stream = await openRawStream(`${sseApp.url}/events`);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    // HTTP/2 forbids connection-specific headers: a stream that sent one would be reset.
    expect(stream.headers.connection).toBe(TRANSPORT === 'h2' ? undefined : 'keep-alive');
    expect(stream.headers['x-accel-buffering']).toBe('no');
    // Nothing but the empty comment that makes Firefox fire open (over h2 it comes after the head).
    await stream.until((s) => s.comments.length === 1);
    expect(stream.body).toBe(':\n\n');
    expect(sseApp.sse.getClients()).toHaveLength(1);
    stream.close();
  });

  // A client cannot ask that of an HTTP/2 stream; the session outlives it anyway.
  (TRANSPORT === 'h2' ? it.skip : it)(
    'says Connection: close to a client that asked for it, so the client does not reuse the connection',
    async () => {
      sseApp = await startSseApp();
      const stream = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', connection: 'close' } });
      expect(stream.status).toBe(200);
      expect(stream.headers.connection).toBe('close');
      stream.close();
    },
  );

  it('fires EventSource open before any event', async () => {
    sseApp = await startSseApp();
    const es = openEventSource(`${sseApp.url}/events`);
    await es.opened;
    expect(es.messages).toEqual([]);
    await sseApp.sse.broadcast('first');
    await waitFor(() => es.messages.length === 1);
    expect(es.messages[0]!.data).toBe('first');
    es.source.close();
  });

  it('writes retry first on every new stream when reconnectInterval is set', async () => {
    sseApp = await startSseApp({ sse: { reconnectInterval: 1500 } });
    const stream = await openRawStream(`${sseApp.url}/events`);
    await sseApp.sse.broadcast('after');
    await stream.until((s) => s.events.length === 1);
    expect(stream.body).toBe('retry: 1500\n\ndata: after\n\n');
    stream.close();
  });

  it.each(['POST', 'PUT', 'DELETE', 'HEAD'])('refuses %s with 405 and Allow: GET', async (method) => {
    sseApp = await startSseApp();
    const response = await openRawStream(`${sseApp.url}/any-method`, { method });
    await response.ended;
    expect(response.status).toBe(405);
    expect(response.headers.allow).toBe('GET');
    expect(response.headers['content-type']).not.toBe('text/event-stream');
    expect(sseApp.sse.getClients()).toHaveLength(0);
  });

  it.each(['text/plain', 'application/json, text/html', 'text/event-stream;q=0'])('refuses Accept %j with 406', async (accept) => {
    sseApp = await startSseApp();
    const response = await openRawStream(`${sseApp.url}/events`, { headers: { accept } });
    await response.ended;
    expect(response.status).toBe(406);
    expect(sseApp.sse.getClients()).toHaveLength(0);
  });

  it.each(['*/*', 'text/*', 'TEXT/EVENT-STREAM', 'text/html;q=0.9, text/event-stream;q=0.1'])('accepts Accept %j', async (accept) => {
    sseApp = await startSseApp();
    const stream = await openRawStream(`${sseApp.url}/events`, { headers: { accept } });
    expect(stream.status).toBe(200);
    stream.close();
  });

  it('is left alone by compression middleware', async () => {
    sseApp = await startSseApp({ configure: (app) => app.use(compression({ threshold: 0 })) });
    const stream = await openRawStream(`${sseApp.url}/events`, {
      headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(stream.headers['content-encoding']).toBeUndefined();
    await sseApp.sse.broadcast({ type: 'tick', data: 'plain' });
    await stream.until((s) => s.events.length === 1);
    expect(stream.events[0]).toMatchObject({ event: 'tick', data: 'plain' });
    stream.close();
  });

  it('ends every stream on app.close() and stops registering', async () => {
    sseApp = await startSseApp();
    const streams = await Promise.all([1, 2, 3].map(() => openRawStream(`${sseApp.url}/events`)));
    const closing = sseApp.close();
    await Promise.all(streams.map((s) => s.ended));
    await closing;
    expect(sseApp.sse.getClients()).toHaveLength(0);
  });
});
