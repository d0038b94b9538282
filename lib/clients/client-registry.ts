import type { ClientQueue } from './client-queue.js';
import type { SseClient } from './sse-client.js';

const NO_CLIENTS: ReadonlySet<SseClient> = new Set();

/** Connected clients by id, and named groups of them. Empty groups are deleted. */
export class ClientRegistry {
  private readonly clients = new Map<string, SseClient>();
  /**
   * The queues of `clients`, kept beside them for the broadcast loop: reaching a queue through its
   * client costs a cache miss per client and event once thousands are connected (BENCHMARKS.md).
   */
  private readonly queues = new Set<ClientQueue>();
  private readonly groups = new Map<string, Set<SseClient>>();
  private readonly memberships = new Map<SseClient, Set<string>>();

  get size(): number {
    return this.clients.size;
  }

  get(clientId: string): SseClient | undefined {
    return this.clients.get(clientId);
  }

  /** The connected client with this id, or this client object while it is the connected one (not replaced, not gone). */
  current(clientOrId: SseClient | string): SseClient | undefined {
    if (typeof clientOrId === 'string') return this.clients.get(clientOrId);
    return this.clients.get(clientOrId.id) === clientOrId ? clientOrId : undefined;
  }

  values(): Iterable<SseClient> {
    return this.clients.values();
  }

  /** The queues of all connected clients, in the order they connected. */
  allQueues(): Iterable<ClientQueue> {
    return this.queues.values();
  }

  members(group: string): Iterable<SseClient> {
    return this.groups.get(group) ?? NO_CLIENTS;
  }

  add(client: SseClient): void {
    const replaced = this.clients.get(client.id);
    if (replaced !== undefined) this.queues.delete(replaced.queue);
    this.clients.set(client.id, client);
    this.queues.add(client.queue);
  }

  /** Removes `client` and its memberships, unless a newer client holds its id. */
  remove(client: SseClient): void {
    if (this.clients.get(client.id) === client) {
      this.clients.delete(client.id);
      this.queues.delete(client.queue);
    }
    for (const group of this.memberships.get(client) ?? []) this.dropMember(group, client);
    this.memberships.delete(client);
  }

  join(group: string, client: SseClient): void {
    const members = this.groups.get(group) ?? new Set<SseClient>();
    this.groups.set(group, members.add(client));
    const joined = this.memberships.get(client) ?? new Set<string>();
    this.memberships.set(client, joined.add(group));
  }

  leave(group: string, client: SseClient): boolean {
    const joined = this.memberships.get(client);
    if (!joined?.delete(group)) return false;
    if (joined.size === 0) this.memberships.delete(client);
    this.dropMember(group, client);
    return true;
  }

  /** Clients, or members of `group`. */
  count(group?: string): number {
    return group === undefined ? this.clients.size : (this.groups.get(group)?.size ?? 0);
  }

  isMember(group: string, client: SseClient): boolean {
    return this.memberships.get(client)?.has(group) ?? false;
  }

  groupsOf(client: SseClient): string[] {
    return [...(this.memberships.get(client) ?? [])];
  }

  groupNames(): string[] {
    return [...this.groups.keys()];
  }

  private dropMember(group: string, client: SseClient): void {
    const members = this.groups.get(group);
    if (!members) return;
    members.delete(client);
    if (members.size === 0) this.groups.delete(group);
  }
}
