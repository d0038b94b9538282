/**
 * Remembers the ids of clients the server disconnected, so that their reconnect can be answered
 * with 204 No Content. Entries must expire: an id nobody comes back for must not stay forever.
 */
export interface NoReconnectStore {
  /**
   * Remember `clientId`. `ttl` (ms) is passed when SseModule's `noReconnectTtl` is set;
   * otherwise the store uses its own bounded default.
   */
  addClientId(clientId: string, ttl?: number): Promise<void>;
  /** True only for an id that was added, has not expired and was not removed. */
  containsClientId(clientId: string): Promise<boolean>;
  /** Forget `clientId`. Forgetting an unknown id is not an error. */
  removeClientId(clientId: string): Promise<void>;
}
