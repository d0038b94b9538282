import type { IncomingMessage, ServerResponse } from 'node:http';
import { CookieClientIdProvider, InMemoryNoReconnectStore } from '../../lib/index.js';

/** The real cookie provider, recording which ids it was asked to release. */
export class RecordingCookieProvider extends CookieClientIdProvider {
  readonly released: string[] = [];

  override releaseClientId(clientId: string, req: IncomingMessage, res: ServerResponse): void {
    this.released.push(clientId);
    super.releaseClientId(clientId, req, res);
  }
}

/** The real in-memory store, with a slow or failing addClientId when a test needs one. */
export class ControllableStore extends InMemoryNoReconnectStore {
  addDelay = 0;
  failAdds = false;
  failLookups = false;
  readonly added: string[] = [];

  override async addClientId(clientId: string, ttl?: number): Promise<void> {
    if (this.addDelay > 0) await new Promise((resolve) => setTimeout(resolve, this.addDelay));
    if (this.failAdds) throw new Error('store is down');
    this.added.push(clientId);
    return super.addClientId(clientId, ttl);
  }

  override async containsClientId(clientId: string): Promise<boolean> {
    if (this.failLookups) throw new Error('store is down');
    return super.containsClientId(clientId);
  }
}

export function cookieOf(setCookie: string[] | undefined, name = 'sse_client_id'): string {
  const cookie = setCookie?.find((c) => c.startsWith(`${name}=`));
  if (!cookie) throw new Error(`no ${name} cookie in ${JSON.stringify(setCookie)}`);
  return cookie.split(';')[0]!;
}
