import type { Logger } from '@nestjs/common';
import type { ClientRegistry } from '../clients/client-registry.js';
import { retryLaterFrame } from '../wire/frames.js';

/** maxClients: how many streams this instance takes on, and what those past it are told. */
export class Capacity {
  /** Reaching the limit is logged once per spell: until a connection is let in again. */
  private full = false;

  constructor(
    private readonly limit: number | undefined,
    /** ms those turned away wait, on average. */
    private readonly retryAfter: number,
    private readonly registry: ClientRegistry,
    private readonly logger: Logger,
  ) {}

  /** Below the limit, or taking over the slot of a client with the same id. */
  hasRoomFor(clientId: string): boolean {
    return this.limit === undefined || this.registry.size < this.limit || this.registry.get(clientId) !== undefined;
  }

  admitted(): void {
    this.full = false;
  }

  /** The frame of a connection turned away, jittered by ±50% so they do not all come back at once. */
  turnedAway(): Buffer {
    if (!this.full) {
      this.full = true;
      this.logger.warn(
        `${this.registry.size} clients are connected, which is maxClients (${this.limit}); new connections are ` +
          'told to retry later. Logged once until one is let in again.',
      );
    }
    return retryLaterFrame(Math.round(this.retryAfter / 2 + Math.random() * this.retryAfter));
  }
}
