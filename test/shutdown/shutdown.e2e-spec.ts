import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { createKeyv } from '@keyv/redis';
import { Logger } from '@nestjs/common';
import { createCache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { CacheManagerNoReconnectStore, CookieClientIdProvider, RedisBackplane, RedisStreamEventLog } from '../../lib/index.js';
import { leftSince, noConnectionsOpen, openHandles } from '../utils/handles.js';
import { openRawStream, type RawStream, StreamPool } from '../utils/raw-stream.js';
import { ControllableStore, cookieOf, SlowEventLog } from '../utils/recording-providers.js';
import { assertRedisReachable, REDIS_URL } from '../utils/redis.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

describe('graceful shutdown', () => {
  let sseApp: SseApp | undefined;
  const streams = new StreamPool();
  beforeAll(() => assertRedisReachable(REDIS_URL));
  afterEach(async () => {
    streams.closeAll();
    await sseApp?.close();
    sseApp = undefined;
  });

  async function open(app: SseApp, count: number, headers?: Record<string, string>): Promise<RawStream[]> {
    const opened = await streams.open(`${app.url}/events`, count, { headers });
    await waitFor(() => app.sse.getClients().length >= count);
    return opened;
  }

  it('writes shutdownEvent last on every stream, then ends them all', async () => {
    const app = await startSseApp({ sse: { keepalive: false, shutdownEvent: { type: 'shutdown', data: 'restarting' } } });
    const readers = await open(app, 3);
    const disconnected = collect(app.sse.clientDisconnected$);
    await app.sse.broadcast('before');
    await app.close();
    await Promise.all(readers.map((reader) => reader.ended));
    for (const reader of readers) {
      expect(reader.events.map(({ event, data }) => [event, data])).toEqual([
        [undefined, 'before'],
        ['shutdown', 'restarting'],
      ]);
    }
    expect(disconnected.map(({ reason }) => reason)).toEqual(['shutdown', 'shutdown', 'shutdown']);
  });

  it('writes shutdownEvent to a client whose replay is still being read, and nothing held for after it', async () => {
    const log = new SlowEventLog();
    const app = await startSseApp({ sse: { keepalive: false, eventLog: log, shutdownEvent: { type: 'shutdown', data: 'restarting' } } });
    const from = await log.append({ body: 'data: seen\n\n', audience: { kind: 'all' } });
    log.sinceDelay = 5000;
    const [resuming] = await streams.open(`${app.url}/events`, 1, { headers: { accept: 'text/event-stream', 'last-event-id': from } });
    await waitFor(() => app.sse.getClients().length === 1);
    await app.sse.broadcast('held for after the replay');
    await app.close();
    await resuming!.ended;
    expect(resuming!.events.map(({ event, data }) => [event, data])).toEqual([['shutdown', 'restarting']]);
  });

  it('refuses a shutdownEvent that cannot be written, at startup', async () => {
    await expect(startSseApp({ sse: { shutdownEvent: { type: 'a\nb', data: 'x' } } })).rejects.toThrow(
      /SseModule shutdownEvent: .*type "a\\nb" contains CR or LF/,
    );
  });

  it('lets a disconnect under way store its id first, so the client stays refused after the restart', async () => {
    const store = new ControllableStore();
    const options = { keepalive: false as const, clientIdProvider: CookieClientIdProvider, noReconnectStore: store };
    const app = await startSseApp({ sse: options });
    const [target] = await open(app, 1);
    const cookie = cookieOf(target!.headers['set-cookie'] as string[]);
    const clientId = cookie.split('=')[1]!;
    const disconnected = collect(app.sse.clientDisconnected$);

    store.addDelay = 300;
    const disconnecting = app.sse.disconnect(clientId);
    await app.close();
    await expect(disconnecting).resolves.toBe(true);
    expect(store.added).toEqual([clientId]);
    expect(disconnected.map(({ reason }) => reason)).toEqual(['server']);

    sseApp = await startSseApp({ sse: options });
    const again = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(again.status).toBe(204);
  });

  it('lets sends waiting on an asynchronous event log go out before the streams end', async () => {
    const log = new SlowEventLog();
    log.appendDelays = [200];
    const app = await startSseApp({ sse: { keepalive: false, eventLog: log } });
    const [reader] = await open(app, 1);
    const sent = app.sse.broadcast('last words');
    await app.close();
    await sent;
    await reader!.ended;
    expect(reader!.events.map(({ data }) => data)).toEqual(['last words']);
  });

  it('leaves no socket, server or timer behind, with the Redis adapters too', async () => {
    // Connections of earlier tests close a moment after their apps do; count from a quiet start.
    await waitFor(noConnectionsOpen, 3000);
    const before = openHandles();
    const key = `sse-test:shutdown:${randomUUID()}`;
    const app = await startSseApp({
      sse: {
        eventLog: new RedisStreamEventLog({ url: REDIS_URL, key }),
        backplane: new RedisBackplane({ url: REDIS_URL, channel: key }),
        keepalive: { interval: 1000 },
        storeTimeout: 500,
      },
    });
    const readers = await open(app, 5);
    await app.sse.broadcast('logged and followed');
    await Promise.all(readers.map((reader) => reader.until((s) => s.events.length === 1)));
    expect(leftSince(before)).not.toEqual([]);

    await app.close();
    await Promise.all(readers.map((reader) => reader.ended));
    readers.forEach((reader) => reader.close());
    await waitFor(() => leftSince(before).length === 0, 3000).catch(() => undefined);
    expect(leftSince(before)).toEqual([]);
  });

  it('logs no error when it closes cleanly with every Redis adapter', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const key = `sse-test:clean-close:${randomUUID()}`;
    const cache = createCache({ stores: [createKeyv(REDIS_URL, { namespace: key })] });
    try {
      const app = await startSseApp({
        sse: {
          clientIdProvider: CookieClientIdProvider,
          noReconnectStore: new CacheManagerNoReconnectStore(cache),
          eventLog: new RedisStreamEventLog({ url: REDIS_URL, key }),
          backplane: new RedisBackplane({ url: REDIS_URL, channel: key }),
        },
      });
      const readers = await open(app, 2);
      await app.sse.broadcast('logged');
      await Promise.all(readers.map((reader) => reader.until((s) => s.events.length === 1)));
      await app.sse.disconnect(app.sse.getClients()[0]!.id);
      await app.sse.countClients();
      await app.close();
      // Before, closing the log's reader rejected its waiting XREAD, which was logged as Redis being unreachable.
      expect(errors.mock.calls).toEqual([]);
    } finally {
      errors.mockRestore();
      await cache.disconnect();
    }
  });
});
