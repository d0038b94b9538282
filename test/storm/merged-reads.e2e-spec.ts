import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { InMemoryEventLog, RedisStreamEventLog, type SseCallOptions, type SseEventLog, type SseMissedEvents } from '../../lib/index.js';
import { HeaderClientIds } from '../utils/parts.js';
import { StreamPool } from '../utils/raw-stream.js';
import { assertRedisReachable, REDIS_URL } from '../utils/redis.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { waitFor } from '../utils/wait.js';

// biome-ignore lint/suspicious/noExplicitAny: a mixin's constructor takes what the log's does.
type LogClass = new (...args: any[]) => SseEventLog;

/**
 * A real log that counts its since() calls, and how often each event it answers with is read to
 * be written (its `body`): the events it answers are copies, so nothing can be encoded once
 * unless the module itself encodes once.
 */
function counting<T extends LogClass>(Log: T) {
  return class extends Log {
    readonly reads: string[] = [];
    encodes = 0;

    override since(lastEventId: string, options?: SseCallOptions): SseMissedEvents | Promise<SseMissedEvents> {
      this.reads.push(lastEventId);
      const copy = (missed: SseMissedEvents) =>
        missed?.map(({ id, body, audience }) => {
          const log = this;
          return {
            id,
            audience,
            get body() {
              log.encodes++;
              return body;
            },
          };
        });
      const missed = super.since(lastEventId, options);
      return missed instanceof Promise ? missed.then(copy) : copy(missed);
    }
  };
}

const CountingMemoryLog = counting(InMemoryEventLog);
const CountingRedisLog = counting(RedisStreamEventLog);
const CLIENTS = 300;

describe('a reconnect storm: merged reads, replays encoded once', () => {
  let sseApp: SseApp;
  const streams = new StreamPool();
  beforeAll(() => assertRedisReachable(REDIS_URL));
  afterEach(async () => {
    streams.closeAll();
    await sseApp?.close();
  });

  it.each([
    ['in memory', () => new CountingMemoryLog({ maxEvents: 5000 })],
    ['on Redis', () => new CountingRedisLog({ url: REDIS_URL, key: `sse-test:merged:${randomUUID()}` })],
  ])('%s: one since() per Last-Event-ID, each answer encoded once, every client caught up exactly', async (_, makeLog) => {
    const log = makeLog();
    sseApp = await startSseApp({ sse: { keepalive: false, eventLog: log } });
    const [watcher] = await streams.open(`${sseApp.url}/events`);
    // 1 KB each: the storm's replays (about 30 MB) are more than one turn of the event loop takes, so they are paced.
    const sent = Array.from({ length: 200 }, (_, n) => `event ${n} ${'x'.repeat(1000)}`);
    for (const data of sent) await sseApp.sse.broadcast(data);
    await watcher!.until((stream) => stream.events.length === sent.length);
    // Half the storm saw up to event 49, the other half up to event 149.
    const resumePoints = [watcher!.events[49]!.id!, watcher!.events[149]!.id!];

    const storm = await Promise.all(
      Array.from({ length: CLIENTS }, (_, n) =>
        streams.open(`${sseApp.url}/events`, 1, { headers: { accept: 'text/event-stream', 'last-event-id': resumePoints[n % 2]! } }),
      ),
    );
    await waitFor(() => sseApp.sse.getClients().length === CLIENTS + 1);
    for (const [n, [stream]] of storm.entries()) {
      const from = n % 2 === 0 ? 50 : 150;
      await stream!.until((s) => s.events.length === sent.length - from);
      expect(stream!.events.map(({ data }) => data)).toEqual(sent.slice(from));
    }
    expect(log.reads.sort()).toEqual([...resumePoints].sort());
    // 150 events after the first point, 50 after the second: each answer encoded once for the storm.
    expect(log.encodes).toBe(150 + 50);
  });

  it('reads again for a client that resumes after an event was logged for it while it was away', async () => {
    const log = new CountingMemoryLog();
    sseApp = await startSseApp({ sse: { keepalive: false, eventLog: log, clientIdProvider: HeaderClientIds } });
    const [watcher] = await streams.open(`${sseApp.url}/events`, 1, { headers: { accept: 'text/event-stream', 'x-client': 'watcher' } });
    await sseApp.sse.broadcast('first');
    await watcher!.until((stream) => stream.events.length === 1);
    const resume = (client: string) => ({
      headers: { accept: 'text/event-stream', 'x-client': client, 'last-event-id': watcher!.events[0]!.id! },
    });
    await streams.open(`${sseApp.url}/events`, 1, resume('early'));
    // Logged for a client that is not connected: nothing is delivered here, but it is in the log.
    expect(await sseApp.sse.sendToClient('away', 'while you were away')).toBe(false);
    const [away] = await streams.open(`${sseApp.url}/events`, 1, resume('away'));
    await away!.until((stream) => stream.events.length === 1);
    expect(away!.events.map(({ data }) => data)).toEqual(['while you were away']);
    expect(log.reads).toHaveLength(2);
  });

  it('reads again for a client that resumes after an event went out: the earlier read lacks it', async () => {
    const log = new CountingMemoryLog();
    sseApp = await startSseApp({ sse: { keepalive: false, eventLog: log } });
    const [watcher] = await streams.open(`${sseApp.url}/events`);
    await sseApp.sse.broadcast('first');
    await sseApp.sse.broadcast('second');
    await watcher!.until((stream) => stream.events.length === 2);
    const resume = { headers: { accept: 'text/event-stream', 'last-event-id': watcher!.events[0]!.id! } };
    const [early] = await streams.open(`${sseApp.url}/events`, 1, resume);
    await sseApp.sse.broadcast('third');
    const [late] = await streams.open(`${sseApp.url}/events`, 1, resume);
    await early!.until((stream) => stream.events.length === 2);
    await late!.until((stream) => stream.events.length === 2);
    expect(early!.events.map(({ data }) => data)).toEqual(['second', 'third']);
    expect(late!.events.map(({ data }) => data)).toEqual(['second', 'third']);
    expect(log.reads).toHaveLength(2);
  });
});
