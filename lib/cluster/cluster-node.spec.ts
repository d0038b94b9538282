import { afterEach, describe, expect, it } from '@jest/globals';
import { type Loopback, loopback } from '../../test/utils/loopback.js';
import { HeaderClientIds, partsFor } from '../../test/utils/parts.js';
import { waitFor } from '../../test/utils/wait.js';
import { InMemoryNoReconnectStore } from '../no-reconnect/in-memory-no-reconnect.store.js';
import { ClusterNode } from './cluster-node.js';

describe('ClusterNode', () => {
  const exchanges: Loopback[] = [];
  afterEach(async () => {
    await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
  });

  async function node() {
    const store = new InMemoryNoReconnectStore();
    const parts = partsFor({}, { clientIdProvider: new HeaderClientIds(), store });
    for (const id of ['a', 'b']) {
      const exchange = await loopback({ accept: 'text/event-stream', 'x-client': id });
      exchanges.push(exchange);
      void parts.lifecycle.open(id, exchange.req, exchange.res);
    }
    parts.registry.join('room', parts.registry.get('a')!);
    return { parts, store, node: new ClusterNode(parts.registry, parts.dispatcher, parts.reconnectInterval, parts.lifecycle) };
  }

  it('answers how many clients it has, in all and in a group', async () => {
    const { node: subject } = await node();
    await expect(subject.answer({ k: 'count' })).resolves.toBe(2);
    await expect(subject.answer({ k: 'count', g: 'room' })).resolves.toBe(1);
  });

  it('answers whether it has a client, and sends it what another instance gave', async () => {
    const { node: subject } = await node();
    await expect(subject.answer({ k: 'has', c: 'a' })).resolves.toBe(1);
    await expect(subject.answer({ k: 'has', c: 'nobody' })).resolves.toBe(0);
    await expect(subject.answer({ k: 'send', c: 'b', f: 'data: from elsewhere\n\n' })).resolves.toBe(1);
    await waitFor(() => exchanges[1]!.received().includes('data: from elsewhere'));
  });

  it('disconnects a client of its own for another instance: stored, then ended', async () => {
    const { node: subject, store, parts } = await node();
    await expect(subject.answer({ k: 'disconnect', c: 'a' })).resolves.toBe(1);
    await expect(store.containsClientId('a')).resolves.toBe(true);
    expect(parts.registry.get('a')).toBeUndefined();
  });

  it('delivers other instances’ events and retry changes to its clients', async () => {
    const { node: subject } = await node();
    subject.deliver({ kind: 'group', group: 'room' }, Buffer.from('data: to the room\n\n'), undefined);
    subject.retry(Buffer.from('retry: 900\n\n'));
    await waitFor(() => exchanges[0]!.received().includes('retry: 900') && exchanges[1]!.received().includes('retry: 900'));
    // Each after the empty comment its stream opened with.
    expect(exchanges[0]!.received()).toBe(':\n\ndata: to the room\n\nretry: 900\n\n');
    expect(exchanges[1]!.received()).toBe(':\n\nretry: 900\n\n');
  });
});
