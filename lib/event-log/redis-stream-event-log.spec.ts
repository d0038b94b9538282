import { afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createClient } from '@redis/client';
import { randomUUID } from 'node:crypto';
import { assertRedisReachable, REDIS_URL } from '../../test/utils/redis.js';
import { waitFor } from '../../test/utils/wait.js';
import type { SseLoggedEvent } from './event-log.interface.js';
import { describeEventLogContract } from '../testing/index.js';
import { RedisStreamEventLog } from './redis-stream-event-log.js';

const all = { kind: 'all' } as const;

async function openLog(key: string, options: { maxEvents?: number; maxAge?: number } = {}) {
  const log = new RedisStreamEventLog({ url: REDIS_URL, key, ...options });
  await log.onModuleInit();
  return log;
}

/** Two instances' logs on one fresh stream, closed and deleted afterwards. */
async function withTwoLogs(test: (a: RedisStreamEventLog, b: RedisStreamEventLog) => Promise<void>): Promise<void> {
  const key = `sse-test:${randomUUID()}`;
  const [a, b] = [await openLog(key), await openLog(key)];
  try {
    await test(a, b);
  } finally {
    await deleteKey(key);
    await Promise.all([a.onModuleDestroy(), b.onModuleDestroy()]);
  }
}

type SentCommands = string[] & { onSend?: (command: string) => void; hang?: (command: string) => boolean };

/**
 * A log on a client of the test's own, whose connections (duplicates included) record the
 * name of every command they send into `sent`.
 */
async function withCountingLog(test: (log: RedisStreamEventLog, sent: SentCommands) => Promise<void>): Promise<void> {
  const sent: SentCommands = [];
  const counting = <T extends { sendCommand: unknown; duplicate: () => T }>(client: T): T => {
    const send = (client.sendCommand as (...args: unknown[]) => Promise<unknown>).bind(client);
    const duplicate = client.duplicate.bind(client);
    client.sendCommand = ((args: string[], ...rest: unknown[]) => {
      sent.push(args[0]!);
      sent.onSend?.(args[0]!);
      if (sent.hang?.(args[0]!)) return new Promise(() => undefined);
      return send(args, ...rest);
    }) as T['sendCommand'];
    client.duplicate = () => counting(duplicate());
    return client;
  };
  const client = counting(createClient({ url: REDIS_URL }));
  await client.connect();
  const key = `sse-test:${randomUUID()}`;
  const log = new RedisStreamEventLog({ client, key });
  try {
    await log.onModuleInit();
    await test(log, sent);
  } finally {
    await deleteKey(key);
    await log.onModuleDestroy();
    await client.close();
  }
}

describe('RedisStreamEventLog', () => {
  // A missing Redis must fail this suite, never skip it: CI starts one (see .ci/run).
  beforeAll(() => assertRedisReachable(REDIS_URL));

  describeEventLogContract(
    'RedisStreamEventLog',
    async (options) => {
      const key = `sse-test:${randomUUID()}`;
      const log = await openLog(key, options);
      return {
        log,
        dispose: async () => {
          await deleteKey(key);
          await log.onModuleDestroy();
        },
      };
    },
    { describe, it, expect, beforeEach, afterEach },
  );

  it('orders the ids it gives across instances that share the stream, so a client resumes on any of them', async () => {
    await withTwoLogs(async (a, b) => {
      const first = await a.append({ body: 'from a', audience: all });
      const second = await b.append({ body: 'from b', audience: all });
      const third = await a.append({ body: 'from a again', audience: all });
      expect((await b.since(first))?.map((event) => event.id)).toEqual([second, third]);
      expect((await a.since(second))?.map((event) => event.body)).toEqual(['from a again']);
    });
  });

  it('follows the stream: every instance appends, in log order, from startup on', async () => {
    await withTwoLogs(async (follower, writer) => {
      await writer.append({ body: 'before startup', audience: all });
      const seen: SseLoggedEvent[] = [];
      await follower.follow((event) => seen.push(event));
      const ids = [
        await writer.append({ body: 'one', audience: all }),
        await follower.append({ body: 'two', audience: { kind: 'group', group: 'g' } }),
        await writer.append({ id: 'mine', body: 'three', audience: all }),
      ];
      await waitFor(() => seen.length === 3);
      expect(seen.map((event) => [event.id, event.body])).toEqual([
        [ids[0], 'one'],
        [ids[1], 'two'],
        ['mine', 'three'],
      ]);
      expect(seen[1]!.audience).toEqual({ kind: 'group', group: 'g' });
    });
  });

  it('catches up after its connection is cut, from the last entry it read', async () => {
    await withTwoLogs(async (follower, writer) => {
      const admin = createClient({ url: REDIS_URL });
      await admin.connect();
      try {
        const seen: string[] = [];
        await follower.follow((event) => seen.push(event.body));
        await writer.append({ body: 'a', audience: all });
        await waitFor(() => seen.length === 1);
        const readers = String(await admin.sendCommand(['CLIENT', 'LIST']))
          .split('\n')
          .filter((line) => line.includes('cmd=xread'))
          .map((line) => /id=(\d+)/.exec(line)![1]!);
        expect(readers.length).toBeGreaterThan(0);
        for (const id of readers) await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
        for (const body of ['b', 'c', 'd']) await writer.append({ body, audience: all });
        await waitFor(() => seen.length === 4, 10_000);
        expect(seen).toEqual(['a', 'b', 'c', 'd']);
      } finally {
        await admin.close();
      }
    });
  });

  it('finds a caller id beyond the first page of the stream', async () => {
    await withTwoLogs(async (log) => {
      await log.append({ id: 'deep', body: 'deep', audience: all });
      for (let i = 0; i < 1200; i++) void log.append({ body: String(i), audience: all });
      const last = await log.append({ body: 'last', audience: all });
      const missed = await log.since('deep');
      expect(missed).toHaveLength(1201);
      expect(missed?.at(-1)?.id).toBe(last);
    });
  });

  it('never scans a stream that was given no caller id, so a made-up Last-Event-ID costs one lookup', async () => {
    await withCountingLog(async (log, sent) => {
      for (let i = 0; i < 600; i++) await log.append({ body: String(i), audience: all });
      sent.length = 0;
      await expect(log.since('made-up')).resolves.toBeUndefined();
      expect(sent).toEqual(['EXISTS']);

      await log.append({ id: 'caller-1', body: 'mine', audience: all });
      sent.length = 0;
      await expect(log.since('caller-1')).resolves.toEqual([]);
      await expect(log.since('made-up')).resolves.toBeUndefined();
      expect(sent.filter((command) => command === 'XREVRANGE').length).toBeGreaterThan(1);
    });
  });

  it('answers a storm of reads with one lookup per id and one read of the stream', async () => {
    await withCountingLog(async (log, sent) => {
      const from = await Promise.all([log.append({ body: 'a', audience: all }), log.append({ body: 'b', audience: all })]);
      for (let i = 0; i < 2500; i++) void log.append({ body: String(i), audience: all });
      await log.append({ body: 'last', audience: all });
      sent.length = 0;
      const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => log.since(from[i % 2]!)));
      expect(answers.filter((missed) => missed?.length === 2502)).toHaveLength(150);
      expect(answers.filter((missed) => missed?.length === 2501)).toHaveLength(150);
      // Two ids looked up, then the stream read once in pages of 1000; one call each would have been 300.
      expect(sent.filter((command) => command === 'XRANGE').length).toBe(2 + 3);
    });
  });

  it('drops a read whose callers gave up before it began, and stops one whose callers gave up during it', async () => {
    await withCountingLog(async (log, sent) => {
      const from = await log.append({ body: 'from here', audience: all });
      for (let i = 0; i < 3000; i++) void log.append({ body: String(i), audience: all });
      await log.append({ body: 'last', audience: all });
      const controller = new AbortController();
      sent.length = 0;
      const early = log.since(from, { deadline: Date.now() + 1000, signal: controller.signal });
      controller.abort(new Error('gave up'));
      await expect(early).rejects.toThrow('gave up');
      expect(sent).toEqual([]);

      const later = new AbortController();
      // Gives up once the first page of the four is asked for.
      sent.onSend = (command) =>
        command === 'XRANGE' && sent.filter((c) => c === 'XRANGE').length === 2 && later.abort(new Error('gave up too'));
      const during = log.since(from, { deadline: Date.now() + 1000, signal: later.signal });
      await expect(during).rejects.toThrow('gave up too');
      expect(sent.filter((command) => command === 'XRANGE')).toHaveLength(2);
    });
  });

  it('lets go at once of readers that gave up while a read hangs, rather than queueing them behind it', async () => {
    await withCountingLog(async (log, sent) => {
      const from = await log.append({ body: 'from here', audience: all });
      sent.hang = (command) => command === 'XRANGE';
      const first = new AbortController();
      const stuck = log.since(from, { deadline: Date.now() + 1000, signal: first.signal });
      await waitFor(() => sent.includes('XRANGE'));
      const behind = Array.from({ length: 50 }, () => new AbortController());
      const queued = behind.map((controller) => log.since(from, { deadline: Date.now() + 1000, signal: controller.signal }));
      behind.forEach((controller) => controller.abort(new Error('gave up')));
      first.abort(new Error('gave up'));
      await expect(Promise.allSettled([stuck, ...queued])).resolves.toEqual(
        Array.from({ length: 51 }, () => ({ status: 'rejected', reason: new Error('gave up') })),
      );
      sent.hang = undefined;
    });
  });

  it('looks for every caller id of a storm in one scan', async () => {
    await withCountingLog(async (log, sent) => {
      await log.append({ id: 'caller-1', body: 'one', audience: all });
      for (let i = 0; i < 2500; i++) void log.append({ body: String(i), audience: all });
      await log.append({ id: 'caller-2', body: 'two', audience: all });
      sent.length = 0;
      const asked = ['caller-1', 'caller-2', ...Array.from({ length: 20 }, (_, n) => `made-up-${n}`)];
      const answers = await Promise.all(asked.map((id) => log.since(id)));
      expect(answers.map((missed) => missed?.length)).toEqual([2501, 0, ...Array.from({ length: 20 }, () => undefined)]);
      // Three pages, newest first, for all 22 ids together: made-up ones are not scanned one by one.
      expect(sent.filter((command) => command === 'XREVRANGE')).toHaveLength(3);
    });
  });

  it('uses a client you pass, and leaves it open', async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const key = `sse-test:${randomUUID()}`;
    const log = new RedisStreamEventLog({ client: client, key });
    await log.onModuleInit();
    const id = await log.append({ body: 'x', audience: all });
    await expect(client.sendCommand(['XLEN', key])).resolves.toBe(1);
    expect(await log.since(id)).toEqual([]);
    await log.onModuleDestroy();
    expect(client.isOpen).toBe(true);
    await client.sendCommand(['DEL', key, `${key}:caller-ids`]);
    await client.close();
  });

  it('fails fast, rather than waiting, while Redis cannot be reached', async () => {
    const log = new RedisStreamEventLog({ url: 'redis://127.0.0.1:1' });
    await log.onModuleInit();
    await expect(log.append({ body: 'x', audience: all })).rejects.toThrow(/offline|closed|ECONNREFUSED/i);
    await expect(log.since('1-0')).rejects.toThrow();
    await log.onModuleDestroy();
  });

  it('says what is missing when it has neither a URL nor a client', () => {
    expect(() => new RedisStreamEventLog({})).toThrow(/RedisStreamEventLog needs a Redis connection: pass \{ url/);
    expect(() => new RedisStreamEventLog({ url: REDIS_URL, maxEvents: 0 })).toThrow(/maxEvents must be a whole number > 0/);
  });

  it('keeps a named service’s events under a key of its own, unless one was given, and serves one service only', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const log = new RedisStreamEventLog({ url: REDIS_URL });
    log.forService(name);
    expect(() => log.forService('another')).toThrow(
      `This RedisStreamEventLog already serves the SseService "${name}"; give "another" a log of its own.`,
    );
    await log.onModuleInit();
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const id = await log.append({ body: 'data: x\n\n', audience: all });
      await expect(log.since(id)).resolves.toEqual([]);
      await expect(redis.xLen(`nestjs-sse:events:${name}`)).resolves.toBe(1);
    } finally {
      await redis.close();
      await deleteKey(`nestjs-sse:events:${name}`);
      await log.onModuleDestroy();
    }
  });
});

async function deleteKey(key: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  await client.sendCommand(['DEL', key, `${key}:caller-ids`]);
  await client.close();
}
