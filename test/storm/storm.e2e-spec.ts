import { afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { InMemoryEventLog, RedisStreamEventLog, type SseClientConnectedEvent, type SseEventLog } from '../../lib/index.js';
import { untilLine } from '../utils/child-process.js';
import { openRawStream } from '../utils/raw-stream.js';
import { assertRedisReachable, REDIS_URL } from '../utils/redis.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect } from '../utils/wait.js';
import type { StormResult } from './storm-clients.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const CLIENTS = 1000;
const MISSED = 1000;
const PADDING = 'x'.repeat(200);

// Every browser of an instance reconnects at once with a Last-Event-ID (after a deploy, a
// network blip), against a healthy Redis or the in-memory log. The clients run in a process of
// their own (storm-clients.ts), which opens its connections first and then writes every request at
// once: the replays (200 MB) are far more than one turn of the event loop writes, so they are paced.
describe('a reconnect storm', () => {
  let sseApp: SseApp | undefined;
  beforeAll(() => assertRedisReachable(REDIS_URL));
  afterEach(() => sseApp?.close());

  it.each<[string, () => SseEventLog]>([
    ['on RedisStreamEventLog', () => new RedisStreamEventLog({ url: REDIS_URL, key: `sse-test:storm:${randomUUID()}` })],
    ['on InMemoryEventLog', () => new InMemoryEventLog({ maxEvents: 2000 })],
  ])(
    `%s: resumes each of ${CLIENTS} clients ${MISSED} events back, every event once, in order`,
    async (_, makeLog) => {
      const log = makeLog();
      const app = await startSseApp({ sse: { keepalive: false, eventLog: log } });
      sseApp = app;
      const first = await openRawStream(`${app.url}/events`);
      await app.sse.broadcast('seen');
      await first.until((stream) => stream.events.length === 1);
      const lastSeen = first.events[0]!.id!;
      first.close();
      const missed = Array.from({ length: MISSED }, (_, n) => `missed ${n} ${PADDING}`);
      // In batches, so that a busy machine does not time the appends out: what is tested is the storm.
      for (let from = 0; from < MISSED; from += 50) await Promise.all(missed.slice(from, from + 50).map((data) => app.sse.broadcast(data)));
      await app.sse.broadcast('last');
      expect((await log.since(lastSeen))?.length).toBe(MISSED + 1);
      const expected = createHash('sha1')
        .update([...missed, 'last'].join('\n'))
        .digest('hex');

      const args = ['--import', here('../utils/ts-loader/register.mjs'), here('./storm-clients.ts')];
      const clients = spawn(process.execPath, [...args, app.url, lastSeen, String(CLIENTS), expected, 'last'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      await untilLine(clients, /^READY$/, 'the storm clients', output);
      const connected = collect(app.sse.clientConnected$);
      const reported = untilLine(clients, /^RESULT /, 'the storm clients', [], 60_000);
      clients.stdin!.write('GO\n');
      const result = JSON.parse((await reported).slice('RESULT '.length)) as StormResult;
      clients.stdin!.end();

      // Before, most clients of such a storm were not resumed: every replay read timed out.
      expect(connected.filter(({ resumed }: SseClientConnectedEvent) => !resumed).length).toBe(0);
      expect(result).toEqual({ exact: CLIENTS, wrong: [] });
    },
    90_000,
  );
});
