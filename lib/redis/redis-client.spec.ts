import { afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { assertRedisReachable, REDIS_URL } from '../../test/utils/redis.js';
import { ManagedRedisClient } from './redis-client.js';

describe('ManagedRedisClient', () => {
  let redis: ManagedRedisClient | undefined;
  beforeAll(() => assertRedisReachable(REDIS_URL));
  afterEach(async () => {
    jest.restoreAllMocks();
    await redis?.close();
  });

  async function connected(): Promise<ManagedRedisClient> {
    redis = await ManagedRedisClient.create({ url: REDIS_URL }, 'test', 'Nothing happens meanwhile.');
    await redis.connect();
    return redis;
  }

  it('carries out a command that reaches Redis before its deadline', async () => {
    const client = await connected();
    const key = `sse-test:before:${randomUUID()}`;
    await expect(client.commandBefore([key], ['SET', key, 'on time'], { deadline: Date.now() + 1000 }, 'SET')).resolves.toBe('OK');
    await expect(client.command(['GET', key])).resolves.toBe('on time');
    await client.command(['DEL', key]);
  });

  it('has Redis refuse a command that reaches it after its deadline, as one queued behind a slow one does', async () => {
    const client = await connected();
    const key = `sse-test:late:${randomUUID()}`;
    await client.commandBefore([], ['PING'], { deadline: Date.now() + 1000 }, 'PING');
    // Commands of one connection run in order: this one waits out the BLPOP on Redis's side.
    const blocking = client.command(['BLPOP', `${key}:nothing`, '0.5']);
    const late = client.commandBefore([key], ['SET', key, 'too late'], { deadline: Date.now() + 200 }, 'SET');
    await expect(late).rejects.toThrow(/^SET reached Redis after its deadline, so Redis did not carry it out: .* raise the timeout\.$/);
    await blocking;
    await expect(client.command(['GET', key])).resolves.toBeNull();
  });

  it('drops a command still unwritten when its signal aborts', async () => {
    const client = await connected();
    const key = `sse-test:aborted:${randomUUID()}`;
    const controller = new AbortController();
    const sent = client.command(['SET', key, 'never'], controller.signal);
    controller.abort();
    await expect(sent).rejects.toThrow('The command was aborted');
    await expect(client.command(['GET', key])).resolves.toBeNull();
  });

  it("reads Redis's clock before it first hands Redis a deadline", async () => {
    const client = await connected();
    const sent: string[] = [];
    const send = client.client.sendCommand.bind(client.client);
    client.client.sendCommand = (args, options) => {
      sent.push(args[0]!);
      return send(args, options);
    };
    await client.commandBefore([], ['PING'], { deadline: Date.now() + 1000 }, 'PING');
    await client.commandBefore([], ['PING'], { deadline: Date.now() + 1000 }, 'PING');
    // Then EVALSHA each time (and EVAL once, should this Redis not have the script yet).
    expect(sent[0]).toBe('TIME');
    expect(sent.filter((command) => command === 'TIME')).toHaveLength(1);
    expect(sent.filter((command) => command === 'EVALSHA')).toHaveLength(2);
  });

  it('counts an error reply as Redis answering, not as an outage', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const client = await connected();
    await expect(client.command(['NOSUCHCOMMAND'])).rejects.toThrow(/unknown command/);
    expect(errors).not.toHaveBeenCalled();
  });

  it('closes within a second while a command hangs, and logs no error for it', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const client = await connected();
    const hanging = client.command(['BLPOP', `sse-test:${randomUUID()}`, '5']);
    const started = Date.now();
    await client.close();
    expect(Date.now() - started).toBeLessThan(1500);
    await expect(hanging).rejects.toThrow();
    expect(client.client.isOpen).toBe(false);
    expect(errors).not.toHaveBeenCalled();
    redis = undefined;
  });
});
