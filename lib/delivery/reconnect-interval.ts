import type { ClientRegistry } from '../clients/client-registry.js';

/**
 * The `retry:` frame every stream starts with, when there is one (reconnectInterval), and
 * changes to it (changeReconnectInterval), which go to every connected client as well.
 */
export class ReconnectInterval {
  constructor(
    private current: Buffer | undefined,
    private readonly registry: ClientRegistry,
  ) {}

  get frame(): Buffer | undefined {
    return this.current;
  }

  change(frame: Buffer): void {
    this.current = frame;
    for (const client of this.registry.values()) client.queue.enqueue(frame);
  }
}
