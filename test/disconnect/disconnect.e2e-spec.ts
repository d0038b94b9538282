import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { firstValueFrom } from 'rxjs';
import { CookieClientIdProvider, InMemoryNoReconnectStore, SseTimeoutError } from '../../lib/index.js';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { openRawStream } from '../utils/raw-stream.js';
import { ControllableStore, cookieOf, RecordingCookieProvider } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, delay } from '../utils/wait.js';

describe('server-side disconnect', () => {
  let sseApp: SseApp;
  let provider: RecordingCookieProvider;
  let store: ControllableStore;
  afterEach(async () => {
    jest.restoreAllMocks();
    await sseApp?.close();
  });

  async function start(reconnectInterval = 50, noReconnectTtl?: number, storeTimeout?: number): Promise<SseApp> {
    provider = new RecordingCookieProvider();
    store = new ControllableStore();
    sseApp = await startSseApp({
      sse: { clientIdProvider: provider, noReconnectStore: store, reconnectInterval, keepalive: false, noReconnectTtl, storeTimeout },
    });
    return sseApp;
  }

  it('refuses to run with the default providers, naming both tokens', async () => {
    sseApp = await startSseApp();
    const stream = await openRawStream(`${sseApp.url}/events`);
    const [client] = sseApp.sse.getClients();
    await expect(sseApp.sse.disconnect(client!.id)).rejects.toThrow(/CLIENT_ID_PROVIDER[\s\S]*NO_RECONNECT_STORE/);
    await expect(client!.disconnect()).rejects.toThrow(/NO_RECONNECT_STORE/);
    expect(client!.isConnected).toBe(true);
    stream.close();
  });

  it('refuses to run when only one of the two is configured', async () => {
    sseApp = await startSseApp({ sse: { clientIdProvider: CookieClientIdProvider } });
    await expect(sseApp.sse.disconnect('anything')).rejects.toThrow(/CLIENT_ID_PROVIDER[\s\S]*NO_RECONNECT_STORE/);
    await sseApp.close();
    sseApp = await startSseApp({ sse: { noReconnectStore: InMemoryNoReconnectStore } });
    await expect(sseApp.sse.disconnect('anything')).rejects.toThrow(/CLIENT_ID_PROVIDER[\s\S]*NO_RECONNECT_STORE/);
  });

  it('ends the stream, answers the reconnect with 204, and EventSource stops for good', async () => {
    await start();
    const disconnects = collect(sseApp.sse.clientDisconnected$);
    const es = openEventSource(`${sseApp.url}/events`);
    await es.opened;
    const clientId = es.cookies.get('sse_client_id')!;
    expect(sseApp.sse.getClient(clientId)?.isConnected).toBe(true);

    await expect(sseApp.sse.disconnect(clientId)).resolves.toBe(true);
    await es.closedForGood;
    expect(es.statuses).toEqual([200, 204]);
    // The 204 carried the cookie deletion, and the store forgot the id.
    expect(es.cookies.has('sse_client_id')).toBe(false);
    expect(provider.released).toEqual([clientId]);
    await expect(store.containsClientId(clientId)).resolves.toBe(false);
    expect(disconnects.map((e) => [e.client.id, e.reason])).toEqual([[clientId, 'server']]);

    // With retry at 50 ms, a browser that kept trying would have made many more requests by now.
    await delay(600);
    expect(es.statuses).toEqual([200, 204]);
    expect(sseApp.sse.getClients()).toHaveLength(0);
    es.source.close();
  });

  it('lets the same browser in again as a new client after the 204', async () => {
    await start();
    const first = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    const clientId = cookie.split('=')[1]!;
    await sseApp.sse.disconnect(clientId);
    await first.ended;

    const refused = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(refused.status).toBe(204);
    expect(refused.headers['content-type']).toBeUndefined();
    await refused.ended;
    expect(refused.body).toBe('');

    const again = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(again.status).toBe(200);
    expect(sseApp.sse.getClient(clientId)?.isConnected).toBe(true);
    again.close();
  });

  it('stores the id before the stream ends, so an instant reconnect is refused', async () => {
    await start();
    store.addDelay = 150;
    const first = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    const disconnecting = sseApp.sse.disconnect(cookie.split('=')[1]!);
    await first.ended;
    const reconnect = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(reconnect.status).toBe(204);
    await disconnecting;
  });

  it('writes what was queued before ending the stream', async () => {
    await start();
    const stream = await openRawStream(`${sseApp.url}/events`);
    const clientId = cookieOf(stream.headers['set-cookie'] as string[]).split('=')[1]!;
    await sseApp.sse.broadcast({ type: 'bye', data: 'you are being disconnected' });
    await sseApp.sse.disconnect(clientId);
    await stream.ended;
    expect(stream.events.map((e) => e.event)).toEqual(['bye']);
  });

  it('does not block a client that leaves on its own, and releases its id', async () => {
    await start();
    const disconnected = firstValueFrom(sseApp.sse.clientDisconnected$);
    const first = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    const clientId = cookie.split('=')[1]!;
    first.close();
    await expect(disconnected).resolves.toMatchObject({ reason: 'client' });
    expect(provider.released).toEqual([clientId]);
    expect(store.added).toEqual([]);

    const back = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(back.status).toBe(200);
    expect(sseApp.sse.getClient(clientId)).toBeDefined();
    back.close();
  });

  it('lets the id back in once noReconnectTtl has passed', async () => {
    await start(50, 150);
    const first = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    await sseApp.sse.disconnect(cookie.split('=')[1]!);
    await first.ended;
    await delay(400);
    const later = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(later.status).toBe(200);
    later.close();
  });

  it('also ends a reconnect of the same id that arrived while the id was being stored', async () => {
    await start();
    store.addDelay = 150;
    const first = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    const clientId = cookie.split('=')[1]!;
    const disconnecting = sseApp.sse.disconnect(clientId);
    const second = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    await first.ended;
    await expect(disconnecting).resolves.toBe(true);
    await second.ended;
    expect(sseApp.sse.getClient(clientId)).toBeUndefined();
    const third = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(third.status).toBe(204);
  });

  it('resolves false for an id that is not connected', async () => {
    await start();
    await expect(sseApp.sse.disconnect('no-such-client')).resolves.toBe(false);
    expect(store.added).toEqual([]);
  });

  it('disconnects once when asked twice at the same time', async () => {
    await start();
    store.addDelay = 50;
    const disconnects = collect(sseApp.sse.clientDisconnected$);
    const stream = await openRawStream(`${sseApp.url}/events`);
    const client = sseApp.sse.getClients()[0]!;
    const results = await Promise.all([sseApp.sse.disconnect(client.id), client.disconnect(), sseApp.sse.disconnect(client.id)]);
    await stream.ended;
    expect(results).toEqual([true, undefined, true]);
    expect(store.added).toEqual([client.id]);
    expect(disconnects).toHaveLength(1);
    await expect(client.disconnect()).resolves.toBeUndefined();
  });

  it('leaves the stream open and rejects when the store cannot remember the id', async () => {
    await start();
    store.failAdds = true;
    const stream = await openRawStream(`${sseApp.url}/events`);
    const client = sseApp.sse.getClients()[0]!;
    await expect(sseApp.sse.disconnect(client.id)).rejects.toThrow(/was not disconnected[\s\S]*could not remember/);
    expect(client.isConnected).toBe(true);
    await client.send('still here');
    await stream.until((s) => s.events.length === 1);

    store.failAdds = false;
    await expect(sseApp.sse.disconnect(client.id)).resolves.toBe(true);
    await stream.ended;
  });

  it('lets clients connect while the store cannot be asked (fails open)', async () => {
    await start();
    store.failLookups = true;
    const stream = await openRawStream(`${sseApp.url}/events`);
    expect(stream.status).toBe(200);
    stream.close();
  });

  it('logs a store outage once, however many connects it lets through', async () => {
    await start();
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    store.failLookups = true;
    const streams = await Promise.all([1, 2, 3, 4].map(() => openRawStream(`${sseApp.url}/events`)));
    expect(streams.map((stream) => stream.status)).toEqual([200, 200, 200, 200]);
    const outage = errors.mock.calls.filter(([message]) => /NO_RECONNECT_STORE is unreachable \(store is down\)/.test(String(message)));
    expect(outage).toHaveLength(1);
    streams.forEach((stream) => stream.close());
  });

  it('gives up on a store that hangs after storeTimeout: the connect goes through, the disconnect rejects', async () => {
    await start(50, undefined, 100);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const before = await openRawStream(`${sseApp.url}/events`);
    const client = sseApp.sse.getClients()[0]!;
    store.hang = true;
    const during = await openRawStream(`${sseApp.url}/events`);
    expect(during.status).toBe(200);
    const refused = sseApp.sse.disconnect(client.id);
    await expect(refused).rejects.toThrow(/was not disconnected/);
    await expect(refused.catch((error: Error) => error.cause)).resolves.toBeInstanceOf(SseTimeoutError);
    expect(client.isConnected).toBe(true);
    before.close();
    during.close();
  });
});
