import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import {
  CacheManagerNoReconnectStore,
  CookieClientIdProvider,
  RedisBackplane,
  RedisStreamEventLog,
  type SseModuleForRootOptions,
} from '../../lib/index.js';
import { type BrowserLikeEventSource, openEventSource } from '../utils/browser-like-event-source.js';
import { leftSince, noConnectionsOpen, openHandles } from '../utils/handles.js';
import { PrivateRedis } from '../utils/private-redis.js';
import { type RawStream, StreamPool } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

const PAUSE = 3000;

/** Every data value that `stream` received more than once. */
function duplicates(stream: RawStream | BrowserLikeEventSource): string[] {
  const data = 'events' in stream ? stream.events.map((event) => event.data) : stream.messages.map((message) => message.data);
  return data.filter((value, i) => data.indexOf(value) !== i);
}

// A Redis that hangs (SIGSTOP) rather than refuses: connections stay open, and what is sent to
// it meanwhile runs when it resumes. Nothing that reported failure may take effect then.
describe('a Redis that hangs', () => {
  let redis: PrivateRedis;
  const apps: SseApp[] = [];
  const streams = new StreamPool();
  const sources: BrowserLikeEventSource[] = [];
  const caches: { disconnect(): Promise<unknown> }[] = [];

  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterEach(async () => {
    redis.resume();
    streams.closeAll();
    sources.splice(0).forEach(({ source }) => source.close());
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await Promise.all(caches.splice(0).map((cache) => cache.disconnect()));
  });
  afterAll(() => redis?.stop());

  async function start(sse: SseModuleForRootOptions): Promise<SseApp> {
    const app = await startSseApp({ sse: { keepalive: false, ...sse } });
    apps.push(app);
    return app;
  }

  const shared = (key: string) => ({
    eventLog: new RedisStreamEventLog({ url: redis.url, key: `${key}:events` }),
    backplane: new RedisBackplane({ url: redis.url, channel: key }),
  });

  it('delivers every event once to every reader when Redis hangs mid-flow and comes back', async () => {
    const app = await start({ eventLog: new RedisStreamEventLog({ url: redis.url, key: `hang:${randomUUID()}` }) });
    const readers = await streams.open(`${app.url}/events`, 3);
    await waitFor(() => app.sse.getClients().length === 3);

    const sent: string[] = [];
    for (let n = 0; n < 60; n++) {
      if (n === 10) {
        redis.pause();
        setTimeout(() => redis.resume(), PAUSE);
      }
      sent.push(`e${n}`);
      void app.sse.broadcast(`e${n}`);
      await delay(50);
    }
    for (const reader of readers) await reader.until((stream) => sent.every((d) => stream.events.some((e) => e.data === d)), 10_000);
    // Time for an append queued during the hang to land and come back through the log's reader.
    await delay(1500);

    // Before, about a third of the events reached every reader twice: without an id when the
    // append timed out, and with one when the append still landed after the resume.
    for (const reader of readers) expect(duplicates(reader)).toEqual([]);
  }, 30_000);

  it('never carries out later a call that rejected while Redis hung', async () => {
    const key = `hang:${randomUUID()}`;
    const store = () => {
      const cache = createCache({ stores: [createKeyv(redis.url, { namespace: key })] });
      caches.push(cache);
      return new CacheManagerNoReconnectStore(cache);
    };
    const options = { clientIdProvider: CookieClientIdProvider, reconnectInterval: 100 };
    const a = await start({ ...options, noReconnectStore: store(), ...shared(key) });
    const b = await start({ ...options, noReconnectStore: store(), ...shared(key) });
    const client = openEventSource(`${a.url}/events`);
    sources.push(client);
    await client.opened;
    const id = client.cookies.get('sse_client_id')!;
    const onB = (await streams.open(`${b.url}/events`))[0]!;
    await waitFor(() => b.sse.getClients().length === 1);

    redis.pause();
    const calls = await Promise.allSettled([
      b.sse.sendToClient(id, 'sent while Redis hung'),
      b.sse.disconnect(id),
      a.sse.disconnect(id),
      b.sse.broadcast('broadcast while Redis hung'),
    ]);
    expect(calls.map(({ status }) => status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
    redis.resume();
    await delay(2000);

    // Before, the message arrived and the client was disconnected once Redis resumed.
    expect(client.messages.map(({ data }) => data)).toEqual([]);
    expect(onB.events.map(({ data }) => data)).toEqual(['broadcast while Redis hung']);
    expect(a.sse.getClient(id)?.isConnected).toBe(true);
    // The rejected disconnect stored nothing that the next reconnect would be refused by.
    a.sse.getClient(id)!.response.destroy();
    await waitFor(() => client.statuses.length === 2);
    expect(client.statuses).toEqual([200, 200]);

    await expect(b.sse.sendToClient(id, 'after')).resolves.toBe(true);
    await waitFor(() => client.messages.some(({ data }) => data === 'after'));
    expect(duplicates(client)).toEqual([]);
  }, 30_000);

  it('closes the app at once while Redis hangs, leaving no connection or timer behind', async () => {
    await waitFor(noConnectionsOpen, 3000);
    const before = openHandles();
    const app = await startSseApp({ sse: { keepalive: { interval: 1000 }, ...shared(`hang:${randomUUID()}`) } });
    await streams.open(`${app.url}/events`, 3);
    await app.sse.broadcast('before the hang');

    redis.pause();
    void app.sse.broadcast('during the hang');
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(3000);
    streams.closeAll();
    await waitFor(() => leftSince(before).length === 0, 3000).catch(() => undefined);
    expect(leftSince(before)).toEqual([]);

    // What the closed app had sent is answered into nothing, without an error.
    redis.resume();
    await delay(500);
  }, 20_000);
});
