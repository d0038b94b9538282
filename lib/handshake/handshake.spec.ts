import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { HttpException, Logger } from '@nestjs/common';
import { streamRequests } from '../../test/utils/loopback.js';
import { HeaderClientIds, partsFor } from '../../test/utils/parts.js';
import { InMemoryNoReconnectStore } from '../no-reconnect/in-memory-no-reconnect.store.js';

describe('Handshake', () => {
  const requests = streamRequests();
  const open = requests.open;
  afterEach(async () => {
    jest.restoreAllMocks();
    await requests.closeAll();
  });

  it('opens a stream for a request that can have one', async () => {
    const parts = partsFor({}, { clientIdProvider: new HeaderClientIds() });
    const { req, res, status } = await open('a');
    void parts.handshake.admit(req, res, {});
    expect(await status()).toBe(200);
    expect(res.getHeader('content-type')).toBe('text/event-stream');
    expect(parts.registry.get('a')).toBeDefined();
  });

  it('refuses a method or an Accept that cannot have a stream, before anything is written', async () => {
    const parts = partsFor();
    const post = await open('a');
    post.req.method = 'POST';
    await expect(parts.handshake.admit(post.req, post.res, {})).rejects.toThrow(HttpException);
    expect(post.res.getHeader('allow')).toBe('GET');
    const text = await open('b', { accept: 'text/plain' });
    await expect(parts.handshake.admit(text.req, text.res, {})).rejects.toMatchObject({ status: 406 });
    expect(text.res.headersSent).toBe(false);
  });

  it('answers a disconnected client 204, once: the id is released and forgotten', async () => {
    const store = new InMemoryNoReconnectStore();
    const clientIds = new HeaderClientIds();
    const parts = partsFor({}, { clientIdProvider: clientIds, store });
    await store.addClientId('gone');
    const { req, res, status, ended } = await open('gone');
    await parts.handshake.admit(req, res, {});
    expect(await status()).toBe(204);
    await ended;
    expect(clientIds.released).toEqual(['gone']);
    await expect(store.containsClientId('gone')).resolves.toBe(false);
    expect(parts.metricsNow().refused).toBe(1);
  });

  it('turns connections past maxClients away with a jittered retry, logging it once, and lets a same-id one in', async () => {
    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const parts = partsFor({ maxClients: 1, maxClientsRetry: 1000 }, { clientIdProvider: new HeaderClientIds() });
    const first = await open('a');
    void parts.handshake.admit(first.req, first.res, {});
    for (const extra of ['b', 'c']) {
      const turned = await open(extra);
      await parts.handshake.admit(turned.req, turned.res, {});
      await turned.ended;
      expect(turned.received()).toMatch(/^: this server is at maxClients; retrying in (\d+) ms\n\nretry: (\d+)\n\n$/);
      const retry = Number(/retry: (\d+)/.exec(turned.received())![1]);
      expect(retry).toBeGreaterThanOrEqual(500);
      expect(retry).toBeLessThanOrEqual(1500);
    }
    expect(warnings).toHaveBeenCalledTimes(1);
    const again = await open('a');
    void parts.handshake.admit(again.req, again.res, {});
    expect(await again.status()).toBe(200);
    expect(parts.registry.size).toBe(1);
    expect(parts.metricsNow().turnedAway).toBe(2);
  });

  it.each([
    [2000, /^retry: (\d+)\n\n$/],
    [0, /^:\n\n$/],
  ])('tells a connection that arrives during shutdown (drainWindow %d) to come back within the window', async (drainWindow, frame) => {
    const parts = partsFor({ drainWindow }, { clientIdProvider: new HeaderClientIds() });
    await parts.lifecycle.shutdown(Promise.resolve(), undefined);
    const retries = new Set<number>();
    for (const id of ['a', 'b', 'c', 'd']) {
      const late = await open(id);
      await parts.handshake.admit(late.req, late.res, {});
      await late.ended;
      expect(await late.status()).toBe(200);
      expect(late.received()).toMatch(frame);
      const [, retry] = frame.exec(late.received())!;
      if (drainWindow > 0) expect(Number(retry)).toBeLessThan(drainWindow);
      retries.add(Number(retry));
    }
    expect(parts.registry.size).toBe(0);
    if (drainWindow > 0) expect(retries.size).toBeGreaterThan(1);
  });

  it('releases the id of a request that left while the store was asked, and registers nothing', async () => {
    let answer!: (refused: boolean) => void;
    const store = new InMemoryNoReconnectStore();
    store.containsClientId = () => new Promise((resolve) => (answer = resolve));
    const clientIds = new HeaderClientIds();
    const parts = partsFor({}, { clientIdProvider: clientIds, store });
    const { req, res, leave } = await open('a');
    const admitted = parts.handshake.admit(req, res, {});
    await new Promise((resolve) => setTimeout(resolve, 20));
    leave();
    await new Promise((resolve) => req.socket.once('close', resolve));
    answer(false);
    await admitted;
    expect(parts.registry.size).toBe(0);
    expect(clientIds.released).toEqual(['a']);
  });
});
