import type { ClientRegistry } from '../clients/client-registry.js';

export interface KeepaliveSettings {
  /** ms a stream may stay silent, at most. */
  interval: number;
  frame: Buffer;
}

/**
 * Keeps idle streams alive: one timer for every client, running only while clients are
 * connected. It ticks every half interval, and a client writes the keepalive frame on its
 * second quiet tick in a row (see ClientQueue.keepalive). It is unref'd, so it never keeps a
 * process alive.
 */
export class Keepalive {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settings: KeepaliveSettings | undefined,
    private readonly registry: ClientRegistry,
  ) {}

  /** From the first client on; again after stop(). */
  start(): void {
    if (this.timer || !this.settings) return;
    const { interval, frame } = this.settings;
    this.timer = setInterval(
      () => {
        for (const client of this.registry.values()) client.queue.keepalive(frame);
      },
      Math.max(1, Math.floor(interval / 2)),
    );
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
