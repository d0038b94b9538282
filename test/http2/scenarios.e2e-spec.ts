import { afterEach, describe, expect, it } from '@jest/globals';
import { type ClientHttp2Session, connect } from 'node:http2';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore, type SseModuleForRootOptions } from '../../lib/index.js';
import { type H2Stream, openH2Stream } from '../utils/h2-stream.js';
import { cookieOf } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

// The core scenarios again, over HTTP/2 (TLS, Fastify): every stream of a client on one session.
describe('HTTP/2: handshake, disconnect, resume, slow consumers and shutdown', () => {
  let sseApp: SseApp | undefined;
  let session: ClientHttp2Session | undefined;
  afterEach(async () => {
    session?.destroy();
    await sseApp?.close();
    sseApp = undefined;
  });

  async function start(sse: SseModuleForRootOptions = {}) {
    sseApp = await startSseApp({ http2: true, sse: { keepalive: false, ...sse } });
    session = connect(sseApp.url, { rejectUnauthorized: false });
    return sseApp;
  }
  const open = (path = '/events', headers?: Record<string, string>) => openH2Stream(session!, path, headers);

  it('opens a stream with the SSE headers and no Connection header, and refuses what cannot have one', async () => {
    await start();
    const stream = await open();
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toBe('text/event-stream');
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(stream.headers.connection).toBeUndefined();
    await sseApp!.sse.broadcast('hello');
    await stream.until((s) => s.events.length === 1);
    const post = await open('/any-method', { ':method': 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
    expect((await open('/events', { accept: 'text/plain' })).status).toBe(406);
  });

  it('ends a disconnected client and answers its reconnect with 204', async () => {
    await start({ clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore });
    const stream = await open();
    const cookie = cookieOf(stream.headers['set-cookie']);
    await waitFor(() => sseApp!.sse.getClients().length === 1);
    await sseApp!.sse.disconnect(sseApp!.sse.getClients()[0]!.id);
    await stream.ended;
    expect((await open('/events', { cookie })).status).toBe(204);
    expect(session!.closed).toBe(false);
  });

  it('resumes a stream from Last-Event-ID with what it missed, once', async () => {
    await start({ eventLog: new InMemoryEventLog() });
    const first = await open();
    await sseApp!.sse.broadcast('seen');
    await first.until((s) => s.events.length === 1);
    first.stream.close();
    await first.ended;
    await sseApp!.sse.broadcast('missed 1');
    await sseApp!.sse.broadcast('missed 2');
    const resumed = await open('/events', { 'last-event-id': first.events[0]!.id! });
    await sseApp!.sse.broadcast('live');
    await resumed.until((s) => s.events.length === 3);
    expect(resumed.events.map((event) => event.data)).toEqual(['missed 1', 'missed 2', 'live']);
  });

  it('drops a stream that stops reading, and goes on serving the others on the same session', async () => {
    await start({ maxBufferedBytes: 64 * 1024 });
    const disconnected = collect(sseApp!.sse.clientDisconnected$);
    const stalled = await open();
    stalled.stream.pause();
    const reader: H2Stream = await open();
    await waitFor(() => sseApp!.sse.getClients().length === 2);
    const chunk = 'x'.repeat(16 * 1024);
    for (let n = 0; n < 200 && disconnected.length === 0; n++) {
      await sseApp!.sse.broadcast(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => disconnected.length === 1);
    expect(disconnected.map(({ reason }) => reason)).toEqual(['slow']);
    await sseApp!.sse.broadcast('still here');
    await reader.until((s) => s.events.at(-1)?.data === 'still here', 10_000);
  });

  it('writes shutdownEvent last on every stream when the app closes', async () => {
    await start({ shutdownEvent: { type: 'shutdown', data: 'restarting' } });
    const streams = [await open(), await open()];
    await waitFor(() => sseApp!.sse.getClients().length === 2);
    await sseApp!.close();
    sseApp = undefined;
    await Promise.all(streams.map((stream) => stream.ended));
    expect(streams.map((stream) => stream.events.at(-1)?.event)).toEqual(['shutdown', 'shutdown']);
  });
});
