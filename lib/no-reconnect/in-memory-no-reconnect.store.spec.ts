import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { DEFAULT_NO_RECONNECT_TTL } from '../sse.constants.js';
import { InMemoryNoReconnectStore } from './in-memory-no-reconnect.store.js';
import { describeNoReconnectStoreContract } from '../testing/index.js';
import { NoopNoReconnectStore } from './noop-no-reconnect.store.js';

describeNoReconnectStoreContract(
  'InMemoryNoReconnectStore',
  async ({ ttl }) => ({
    store: new InMemoryNoReconnectStore({ ttl }),
  }),
  { describe, it, expect, beforeEach, afterEach },
);

describe('InMemoryNoReconnectStore', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('remembers for 5 minutes by default, never forever', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new InMemoryNoReconnectStore();
    await store.addClientId('a');
    jest.setSystemTime(1_000_000 + DEFAULT_NO_RECONNECT_TTL - 1);
    await expect(store.containsClientId('a')).resolves.toBe(true);
    jest.setSystemTime(1_000_000 + DEFAULT_NO_RECONNECT_TTL);
    await expect(store.containsClientId('a')).resolves.toBe(false);
    expect(DEFAULT_NO_RECONNECT_TTL).toBe(300_000);
  });

  it('sweeps expired ids while new ones arrive, so memory stays bounded', async () => {
    jest.useFakeTimers({ now: 0 });
    const store = new InMemoryNoReconnectStore({ ttl: 1000 });
    for (let second = 0; second < 100; second++) {
      jest.setSystemTime(second * 1000);
      for (let i = 0; i < 100; i++) await store.addClientId(`${second}-${i}`);
    }
    // 100 ids a second for 100 s, each kept for 1 s: only about the last second's worth remains.
    expect(store.size).toBeLessThanOrEqual(100);
  });

  it('forgets the oldest ids first past maxEntries', async () => {
    const store = new InMemoryNoReconnectStore({ maxEntries: 3 });
    for (const id of ['a', 'b', 'c', 'd']) await store.addClientId(id);
    expect(store.size).toBe(3);
    await expect(store.containsClientId('a')).resolves.toBe(false);
    await expect(store.containsClientId('d')).resolves.toBe(true);
  });

  it('refuses a bad ttl at construction', () => {
    expect(() => new InMemoryNoReconnectStore({ ttl: -1 })).toThrow(/InMemoryNoReconnectStore ttl must be/);
  });
});

describe('NoopNoReconnectStore', () => {
  it('remembers nothing, which is why disconnect() will not run with it', async () => {
    const store = new NoopNoReconnectStore();
    await store.addClientId('a');
    await expect(store.containsClientId('a')).resolves.toBe(false);
    await expect(store.removeClientId('a')).resolves.toBeUndefined();
  });
});
