import { Injectable } from '@nestjs/common';
import type { NoReconnectStore } from './no-reconnect-store.interface.js';

/** The default: remembers nothing, so `disconnect()` refuses to run until a real store is set. */
@Injectable()
export class NoopNoReconnectStore implements NoReconnectStore {
  async addClientId(_clientId: string, _ttl?: number): Promise<void> {}

  async containsClientId(_clientId: string): Promise<boolean> {
    return false;
  }

  async removeClientId(_clientId: string): Promise<void> {}
}
