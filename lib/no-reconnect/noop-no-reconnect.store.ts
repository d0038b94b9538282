import { Injectable } from '@nestjs/common';
import type { NoReconnectStore } from './no-reconnect-store.interface.js';

/** The default: remembers nothing, so `disconnect()` refuses to run until a real store is set. */
@Injectable()
export class NoopNoReconnectStore implements NoReconnectStore {
  async addClientId(): Promise<void> {}

  async containsClientId(): Promise<boolean> {
    return false;
  }

  async removeClientId(): Promise<void> {}
}
