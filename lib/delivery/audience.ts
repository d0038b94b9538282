import type { ClientRegistry } from '../clients/client-registry.js';
import type { SseClient } from '../clients/sse-client.js';
import type { SseEventAudience } from '../event-log/event-log.interface.js';

export const EVERYONE: SseEventAudience = { kind: 'all' };

/** Whether an event sent to `audience` is the client's: everyone's, its group's, or its own. */
export function reaches(audience: SseEventAudience, client: SseClient, registry: ClientRegistry): boolean {
  if (audience.kind === 'all') return true;
  if (audience.kind === 'client') return audience.clientId === client.id;
  return registry.isMember(audience.group, client);
}
