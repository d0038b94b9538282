import { Injectable, Optional } from '@nestjs/common';
import { checkCount, checkDuration } from '../options/option-validation.js';
import { DEFAULT_NO_RECONNECT_TTL } from '../sse.constants.js';
import type { NoReconnectStore } from './no-reconnect-store.interface.js';

export interface InMemoryNoReconnectStoreOptions {
  /** How long an id is remembered, in ms. Default 5 minutes. */
  ttl?: number;
  /** Hard cap on remembered ids; past it the oldest are forgotten first. Default 100 000. */
  maxEntries?: number;
}

const MAX_SWEEP_INTERVAL = 60_000;

/**
 * Remembers ids in this process only. Fine for a single instance; use
 * CacheManagerNoReconnectStore over Redis when several instances share the traffic.
 *
 * Expired ids are swept while ids are being added, so the store owns no timer and keeps no
 * process alive; memory is bounded by the ids added within one TTL, and by `maxEntries`.
 */
@Injectable()
export class InMemoryNoReconnectStore implements NoReconnectStore {
  private readonly expiries = new Map<string, number>();
  private readonly ttl: number;
  private readonly maxEntries: number;
  private readonly sweepInterval: number;
  private nextSweepAt = 0;

  constructor(@Optional() options: InMemoryNoReconnectStoreOptions = {}) {
    this.ttl = checkDuration(options.ttl ?? DEFAULT_NO_RECONNECT_TTL, 'InMemoryNoReconnectStore ttl');
    this.maxEntries = checkCount(options.maxEntries ?? 100_000, 'InMemoryNoReconnectStore maxEntries');
    this.sweepInterval = Math.min(this.ttl, MAX_SWEEP_INTERVAL);
  }

  /** Ids currently remembered, expired ones not counted. */
  get size(): number {
    this.sweep(Date.now());
    return this.expiries.size;
  }

  async addClientId(clientId: string, ttl: number = this.ttl): Promise<void> {
    checkDuration(ttl, 'InMemoryNoReconnectStore.addClientId ttl');
    const now = Date.now();
    if (now >= this.nextSweepAt) this.sweep(now);
    // Re-inserting keeps the Map in insertion order, which is the eviction order.
    this.expiries.delete(clientId);
    this.expiries.set(clientId, now + ttl);
    if (this.expiries.size > this.maxEntries) this.evictOldest();
  }

  async containsClientId(clientId: string): Promise<boolean> {
    const expiresAt = this.expiries.get(clientId);
    if (expiresAt === undefined) return false;
    if (expiresAt > Date.now()) return true;
    this.expiries.delete(clientId);
    return false;
  }

  async removeClientId(clientId: string): Promise<void> {
    this.expiries.delete(clientId);
  }

  private sweep(now: number): void {
    for (const [clientId, expiresAt] of this.expiries) {
      if (expiresAt <= now) this.expiries.delete(clientId);
    }
    this.nextSweepAt = now + this.sweepInterval;
  }

  private evictOldest(): void {
    const oldest = this.expiries.keys().next();
    if (!oldest.done) this.expiries.delete(oldest.value);
  }
}
