import { afterEach, describe, expect, it } from '@jest/globals';
import { streamRequests } from '../../test/utils/loopback.js';
import { HeaderClientIds, partsFor } from '../../test/utils/parts.js';
import { collect, waitFor } from '../../test/utils/wait.js';
import { InMemoryEventLog } from '../event-log/in-memory-event-log.js';
import { InMemoryNoReconnectStore } from '../no-reconnect/in-memory-no-reconnect.store.js';

describe('ClientLifecycle', () => {
  const requests = streamRequests();
  const request = requests.open;
  afterEach(async () => {
    await requests.closeAll();
  });

  it('registers a stream, says so, and ends it once however many things end it', async () => {
    const parts = partsFor();
    const connected = collect(parts.lifecycle.connected$);
    const disconnected = collect(parts.lifecycle.disconnected$);
    const { req, res, leave } = await request('a');
    const ended = parts.lifecycle.open('a', req, res);
    expect(connected.map(({ client, resumed }) => [client.id, resumed])).toEqual([['a', false]]);
    const client = parts.registry.get('a')!;
    leave();
    await ended;
    parts.lifecycle.end(client, 'server');
    expect(disconnected.map(({ reason }) => reason)).toEqual(['client']);
    expect(parts.registry.size).toBe(0);
    expect(parts.metricsNow().disconnects.client).toBe(1);
  });

  it('ends the client a newer connection with its id replaces, before saying the new one connected', async () => {
    const parts = partsFor();
    const events: string[] = [];
    parts.lifecycle.connected$.subscribe(({ client }) => events.push(`connected ${client.id}`));
    parts.lifecycle.disconnected$.subscribe(({ reason }) => events.push(`disconnected (${reason})`));
    const first = await request('a');
    void parts.lifecycle.open('a', first.req, first.res);
    const second = await request('a');
    void parts.lifecycle.open('a', second.req, second.res);
    await first.ended;
    expect(events).toEqual(['connected a', 'disconnected (replaced)', 'connected a']);
  });

  it('stores the id before it ends the stream it disconnects', async () => {
    const store = new InMemoryNoReconnectStore();
    const parts = partsFor({}, { clientIdProvider: new HeaderClientIds(), store });
    const storedWhenEnded: boolean[] = [];
    parts.lifecycle.disconnected$.subscribe(
      ({ client }) => void store.containsClientId(client.id).then((has) => storedWhenEnded.push(has)),
    );
    const { req, res, ended } = await request('a');
    void parts.lifecycle.open('a', req, res);
    await parts.lifecycle.disconnect(parts.registry.get('a')!);
    await ended;
    await waitFor(() => storedWhenEnded.length === 1);
    expect(storedWhenEnded).toEqual([true]);
  });

  it('writes what a client missed ahead of what its connected handlers send', async () => {
    const log = new InMemoryEventLog();
    const seen = log.append({ body: 'data: seen\n\n', audience: { kind: 'all' } });
    log.append({ body: 'data: missed\n\n', audience: { kind: 'all' } });
    const parts = partsFor({}, { log });
    parts.lifecycle.connected$.subscribe(({ client }) => void client.send('welcome back'));
    const { req, res, received } = await request('a', { 'last-event-id': seen });
    void parts.lifecycle.open('a', req, res);
    await waitFor(() => received().includes('welcome back'));
    expect(received().indexOf('data: missed')).toBeLessThan(received().indexOf('data: welcome back'));
  });

  it('shuts down after the disconnects under way: a farewell last on every stream, then a retry within the drain window', async () => {
    const parts = partsFor({ drainWindow: 2000 });
    const streams = await Promise.all(['a', 'b'].map((id) => request(id)));
    for (const [i, { req, res }] of streams.entries()) void parts.lifecycle.open(`c${i}`, req, res);
    await parts.lifecycle.shutdown(Promise.resolve(), Buffer.from('event: bye\ndata: \n\n'));
    await Promise.all(streams.map(({ ended }) => ended));
    for (const { received } of streams) {
      const [, retry] = /^:\n\nevent: bye\ndata: \n\nretry: (\d+)\n\n$/.exec(received()) ?? [];
      // Never below 250 ms: the browser keeps it as its delay for later outages.
      expect(Number(retry)).toBeGreaterThanOrEqual(250);
      expect(Number(retry)).toBeLessThan(2000);
    }
    expect(parts.lifecycle.shuttingDown).toBe(true);
    expect(parts.registry.size).toBe(0);
  });

  it('leaves the clients their own retry delay with drainWindow 0', async () => {
    const parts = partsFor({ drainWindow: 0 });
    const { req, res, ended, received } = await request('a');
    void parts.lifecycle.open('a', req, res);
    await parts.lifecycle.shutdown(Promise.resolve(), undefined);
    await ended;
    expect(received()).toBe(':\n\n');
    expect(parts.lifecycle.drainFrame()).toBeUndefined();
  });

  it('ends a stream when its credential expires: a short retry, reason expired, and the id released', async () => {
    const ids = new HeaderClientIds();
    const parts = partsFor({}, { clientIdProvider: ids });
    const disconnected = collect(parts.lifecycle.disconnected$);
    const { req, res, ended, received } = await request('a');
    void parts.lifecycle.open('a', req, res, Date.now() + 150);
    await ended;
    const [, retry] = /^:\n\nretry: (\d+)\n\n$/.exec(received()) ?? [];
    expect(Number(retry)).toBeGreaterThanOrEqual(250);
    expect(Number(retry)).toBeLessThan(1000);
    expect(disconnected.map(({ reason }) => reason)).toEqual(['expired']);
    await waitFor(() => ids.released.length === 1);
    expect(ids.released).toEqual(['a']);
  });
});
