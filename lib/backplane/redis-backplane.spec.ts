import { beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '@redis/client';
import { randomUUID } from 'node:crypto';
import { assertRedisReachable, REDIS_URL } from '../../test/utils/redis.js';
import { RedisBackplane } from './redis-backplane.js';
import { delay } from '../../test/utils/wait.js';

describe('RedisBackplane', () => {
  // A missing Redis must fail this suite, never skip it: CI starts one (see .ci/run).
  beforeAll(() => assertRedisReachable(REDIS_URL));

  it('delivers every message to every subscriber on its channel, and counts them', async () => {
    const channel = `sse-test:${randomUUID()}`;
    const [one, two] = [new RedisBackplane({ url: REDIS_URL, channel }), new RedisBackplane({ url: REDIS_URL, channel })];
    const other = new RedisBackplane({ url: REDIS_URL, channel: `${channel}:other` });
    const got: Record<string, string[]> = { one: [], two: [], other: [] };
    await one.subscribe((message) => got.one!.push(message));
    await two.subscribe((message) => got.two!.push(message));
    await other.subscribe((message) => got.other!.push(message));
    try {
      await expect(one.publish('first')).resolves.toBe(2);
      await expect(two.publish('second')).resolves.toBe(2);
      await delay(50);
      expect(got).toEqual({ one: ['first', 'second'], two: ['first', 'second'], other: [] });
    } finally {
      await Promise.all([one, two, other].map((backplane) => backplane.onModuleDestroy()));
    }
  });

  it('uses a client you pass for publishing, a duplicate for subscribing, and leaves yours open', async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    const channel = `sse-test:${randomUUID()}`;
    const backplane = new RedisBackplane({ client: client, channel });
    const got: string[] = [];
    await backplane.subscribe((message) => got.push(message));
    await expect(backplane.publish('hello')).resolves.toBe(1);
    await delay(50);
    expect(got).toEqual(['hello']);
    await backplane.onModuleDestroy();
    expect(client.isOpen).toBe(true);
    await expect(client.sendCommand(['PUBLISH', channel, 'after close'])).resolves.toBe(0);
    await client.close();
  });

  it('starts without Redis, and fails fast instead of queueing while it is away', async () => {
    const backplane = new RedisBackplane({ url: 'redis://127.0.0.1:1' });
    await backplane.subscribe(() => undefined);
    await expect(backplane.publish('lost')).rejects.toThrow(/offline|closed/i);
    await backplane.onModuleDestroy();
  });

  it('says what is missing when it has neither a URL nor a client', () => {
    expect(() => new RedisBackplane({})).toThrow(/RedisBackplane needs a Redis connection: pass \{ url/);
  });

  it('puts a named service on a channel of its own, unless one was given, and serves one service only', async () => {
    const name = `svc-${randomUUID().slice(0, 8)}`;
    const listener = createClient({ url: REDIS_URL });
    await listener.connect();
    const heard: string[] = [];
    await listener.subscribe(`nestjs-sse:${name}`, (message) => heard.push(message));
    const named = new RedisBackplane({ url: REDIS_URL });
    named.forService(name);
    expect(() => named.forService('another')).toThrow(
      `This RedisBackplane already serves the SseService "${name}"; give "another" a RedisBackplane of its own.`,
    );
    const given = new RedisBackplane({ url: REDIS_URL, channel: `sse-test:${randomUUID()}` });
    given.forService(name);
    await Promise.all([named.subscribe(() => undefined), given.subscribe(() => undefined)]);
    try {
      // The listener and the backplane's own subscriber.
      await expect(named.publish('to the named channel')).resolves.toBe(2);
      await given.publish('to the given channel');
      await delay(50);
      expect(heard).toEqual(['to the named channel']);
    } finally {
      await Promise.all([named.onModuleDestroy(), given.onModuleDestroy(), listener.close()]);
    }
  });
});
