import { RandomClientIdProvider } from '../../lib/client-id/random-client-id.provider.js';
import { NoopNoReconnectStore } from '../../lib/no-reconnect/noop-no-reconnect.store.js';
import { resolveOptions } from '../../lib/options/resolved-options.js';
import type { SseModuleOptions } from '../../lib/options/sse-module-options.js';
import { assembleParts, type SseParts, type SsePorts } from '../../lib/sse.parts.js';

/** The parts of one SseService as it assembles them, without Nest: for the specs of the core classes. */
export function partsFor(options: SseModuleOptions = {}, ports: Partial<SsePorts> = {}): SseParts {
  return assembleParts(resolveOptions({ keepalive: false, ...options }), {
    clientIdProvider: ports.clientIdProvider ?? new RandomClientIdProvider(),
    store: ports.store ?? new NoopNoReconnectStore(),
    log: ports.log ?? null,
    backplane: ports.backplane ?? null,
  });
}

/** Names each client after its `x-client` header, and notes what is released: ids a test chooses. */
export class HeaderClientIds {
  readonly released: string[] = [];

  acquireClientId(req: { headers: Record<string, string | string[] | undefined> }): string {
    return String(req.headers['x-client']);
  }

  releaseClientId(clientId: string): void {
    this.released.push(clientId);
  }
}
