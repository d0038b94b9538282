import { Inject, Injectable, Optional } from '@nestjs/common';
import { checkDuration } from '../options/option-validation.js';
import { DEFAULT_NO_RECONNECT_TTL } from '../sse.constants.js';
import type { NoReconnectStore } from './no-reconnect-store.interface.js';

/**
 * The part of cache-manager's `Cache` this store uses. Structural, so neither cache-manager nor
 * @nestjs/cache-manager is loaded at run time and any major that has these calls works.
 */
export interface CacheLike {
  get<T>(key: string): Promise<T | undefined | null>;
  /** cache-manager 5+ takes the TTL in milliseconds. */
  set<T>(key: string, value: T, ttl?: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
}

export interface CacheManagerNoReconnectStoreOptions {
  /** How long an id is remembered, in ms. Default 5 minutes. */
  ttl?: number;
  /** Key prefix, so the entries never collide with the app's own keys. Default `sse:no-reconnect:`. */
  prefix?: string;
}

/** The token @nestjs/cache-manager registers its Cache under. */
const CACHE_MANAGER = 'CACHE_MANAGER';
const PRESENT = 1;

/**
 * Remembers ids in a cache-manager cache: in memory, or in Redis (@keyv/redis) so that every
 * instance behind a load balancer refuses the same reconnects.
 *
 * Give it a cache (`new CacheManagerNoReconnectStore(cache, options)`), or name the class alone
 * in SseModule options when CacheModule is registered with `isGlobal: true`.
 */
@Injectable()
export class CacheManagerNoReconnectStore implements NoReconnectStore {
  private readonly ttl: number;
  private readonly prefix: string;

  constructor(
    @Optional() @Inject(CACHE_MANAGER) private readonly cache: CacheLike,
    @Optional() options: CacheManagerNoReconnectStoreOptions = {},
  ) {
    assertCache(cache);
    this.ttl = checkDuration(options.ttl ?? DEFAULT_NO_RECONNECT_TTL, 'CacheManagerNoReconnectStore ttl');
    this.prefix = options.prefix ?? 'sse:no-reconnect:';
  }

  async addClientId(clientId: string, ttl: number = this.ttl): Promise<void> {
    checkDuration(ttl, 'CacheManagerNoReconnectStore.addClientId ttl');
    await this.cache.set(this.key(clientId), PRESENT, ttl);
  }

  async containsClientId(clientId: string): Promise<boolean> {
    // A miss is undefined (or null in some stores); anything else was written by addClientId.
    const value = await this.cache.get(this.key(clientId));
    return value !== undefined && value !== null;
  }

  async removeClientId(clientId: string): Promise<void> {
    await this.cache.del(this.key(clientId));
  }

  private key(clientId: string): string {
    return this.prefix + clientId;
  }
}

function assertCache(cache: CacheLike | undefined): void {
  const ok = cache && ['get', 'set', 'del'].every((name) => typeof cache[name as keyof CacheLike] === 'function');
  if (!ok) {
    throw new Error(
      "CacheManagerNoReconnectStore needs a cache-manager Cache and found none under 'CACHE_MANAGER'. " +
        'Register CacheModule.register({ isGlobal: true }), or pass the cache yourself: ' +
        "{ useFactory: (cache) => new CacheManagerNoReconnectStore(cache), inject: ['CACHE_MANAGER'] }.",
    );
  }
}
