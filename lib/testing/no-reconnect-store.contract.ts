import { type ContractTestApi, delay } from './contract-test-api.js';
import type { NoReconnectStore } from '../no-reconnect/no-reconnect-store.interface.js';

export interface StoreUnderTest {
  store: NoReconnectStore;
  dispose?: () => Promise<void>;
}

/** Makes a fresh, empty store; `ttl` is the store's own default TTL when given. */
export type StoreFactory = (options: { ttl?: number }) => Promise<StoreUnderTest>;

/** What every NoReconnectStore must do. Each implementation runs this same suite. */
export function describeNoReconnectStoreContract(name: string, create: StoreFactory, test: ContractTestApi): void {
  const { describe, it, beforeEach, afterEach, expect } = test;
  describe(`${name} (NoReconnectStore contract)`, () => {
    let subject: StoreUnderTest;
    let store: NoReconnectStore;
    beforeEach(async () => {
      subject = await create({});
      store = subject.store;
    });
    afterEach(() => subject.dispose?.());

    it('does not contain an id that was never added', async () => {
      await expect(store.containsClientId('never-added')).resolves.toBe(false);
    });

    it('contains an id once it is added', async () => {
      await store.addClientId('a');
      await expect(store.containsClientId('a')).resolves.toBe(true);
    });

    it('keeps ids apart', async () => {
      await store.addClientId('a');
      await expect(store.containsClientId('b')).resolves.toBe(false);
      await expect(store.containsClientId('A')).resolves.toBe(false);
    });

    it('forgets an id once it is removed', async () => {
      await store.addClientId('a');
      await store.removeClientId('a');
      await expect(store.containsClientId('a')).resolves.toBe(false);
    });

    it('treats adding twice as adding once', async () => {
      await store.addClientId('a');
      await store.addClientId('a');
      await store.removeClientId('a');
      await expect(store.containsClientId('a')).resolves.toBe(false);
    });

    it('removes an unknown id without complaint', async () => {
      await expect(store.removeClientId('unknown')).resolves.toBeUndefined();
    });

    for (const id of ['ünïcødé-😀', 'with:colons:and spaces', 'x'.repeat(512)]) {
      it(`handles the id ${JSON.stringify(id.slice(0, 24))}`, async () => {
        await store.addClientId(id);
        await expect(store.containsClientId(id)).resolves.toBe(true);
        await expect(store.containsClientId(`${id}-other`)).resolves.toBe(false);
      });
    }

    it('forgets an id when the TTL passed to addClientId runs out', async () => {
      await store.addClientId('short', 100);
      await store.addClientId('long', 60_000);
      await expect(store.containsClientId('short')).resolves.toBe(true);
      await delay(300);
      await expect(store.containsClientId('short')).resolves.toBe(false);
      await expect(store.containsClientId('long')).resolves.toBe(true);
    });

    it("forgets an id when the store's own TTL runs out", async () => {
      const short = await create({ ttl: 100 });
      try {
        await short.store.addClientId('default-ttl');
        await expect(short.store.containsClientId('default-ttl')).resolves.toBe(true);
        await delay(300);
        await expect(short.store.containsClientId('default-ttl')).resolves.toBe(false);
      } finally {
        await short.dispose?.();
      }
    });

    it('refuses a TTL that is not a positive whole number of ms', async () => {
      await expect(store.addClientId('a', 0)).rejects.toThrow(/ttl must be a whole number of milliseconds > 0/);
      await expect(store.addClientId('a', 1.5)).rejects.toThrow(/ttl/);
      await expect(store.containsClientId('a')).resolves.toBe(false);
    });
  });
}
