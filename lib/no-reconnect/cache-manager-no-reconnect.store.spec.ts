import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import { assertRedisReachable, REDIS_URL } from '../../test/utils/redis.js';
import { CacheManagerNoReconnectStore } from './cache-manager-no-reconnect.store.js';
import { describeNoReconnectStoreContract } from '../testing/index.js';

describeNoReconnectStoreContract(
  'CacheManagerNoReconnectStore over the in-memory cache',
  async ({ ttl }) => ({
    store: new CacheManagerNoReconnectStore(createCache(), { ttl }),
  }),
  { describe, it, expect, beforeEach, afterEach },
);

describe('CacheManagerNoReconnectStore over Redis', () => {
  // A missing Redis must fail this suite, never skip it: CI starts one (see .ci/run).
  beforeAll(() => assertRedisReachable(REDIS_URL));

  describeNoReconnectStoreContract(
    'CacheManagerNoReconnectStore over Redis (@keyv/redis)',
    async ({ ttl }) => {
      const cache = createCache({ stores: [createKeyv(REDIS_URL, { namespace: `sse-test-${randomUUID()}` })] });
      return { store: new CacheManagerNoReconnectStore(cache, { ttl }), dispose: () => cache.disconnect() };
    },
    { describe, it, expect, beforeEach, afterEach },
  );

  describe('keys', () => {
    const cache = createCache({ stores: [createKeyv(REDIS_URL, { namespace: `sse-test-${randomUUID()}` })] });
    afterAll(() => cache.disconnect());

    it('keeps stores with different prefixes apart on one cache', async () => {
      const a = new CacheManagerNoReconnectStore(cache, { prefix: 'app-a:' });
      const b = new CacheManagerNoReconnectStore(cache, { prefix: 'app-b:' });
      await a.addClientId('same-id');
      await expect(a.containsClientId('same-id')).resolves.toBe(true);
      await expect(b.containsClientId('same-id')).resolves.toBe(false);
    });

    it('writes its entries under the prefix, with an expiry, and leaves other keys alone', async () => {
      const store = new CacheManagerNoReconnectStore(cache, { ttl: 60_000 });
      await cache.set('unrelated', 'value');
      await store.addClientId('c1');
      await expect(cache.get('sse:no-reconnect:c1')).resolves.not.toBeUndefined();
      const expiresAt = await cache.ttl('sse:no-reconnect:c1');
      expect(expiresAt).toBeGreaterThan(Date.now() + 50_000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 60_000);
      await store.removeClientId('c1');
      await expect(cache.get('unrelated')).resolves.toBe('value');
    });
  });
});

describe('CacheManagerNoReconnectStore construction', () => {
  it('explains what is missing when there is no cache', () => {
    expect(() => new CacheManagerNoReconnectStore(undefined as never)).toThrow(/needs a cache-manager Cache.*CACHE_MANAGER/);
  });
});
