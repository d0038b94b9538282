import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { ClientIdProvider } from './client-id-provider.interface.js';

/**
 * The default: a new random UUID for every connection. A reconnecting browser gets a new id,
 * so `disconnect()` cannot stop it from coming back and refuses to run with this provider.
 */
@Injectable()
export class RandomClientIdProvider implements ClientIdProvider {
  acquireClientId(): string {
    return randomUUID();
  }

  releaseClientId(): void {}
}
