import type { Logger } from '@nestjs/common';
import type { NoReconnectStore } from '../no-reconnect/no-reconnect-store.interface.js';
import { CLIENT_ID_PROVIDER, NO_RECONNECT_STORE } from '../sse.constants.js';
import { stackOf } from '../support/error-text.js';
import { OutageLog } from '../support/outage-log.js';

export interface NoReconnectGateSettings {
  /** ms each store call may take before it counts as failed. */
  timeout: number;
  /** Passed to addClientId; undefined lets the store use its own. */
  ttl?: number;
  /** False with the default ports, which neither keep ids nor remember them: disconnect() cannot work. */
  canRefuse: boolean;
}

/**
 * The NO_RECONNECT_STORE, behind one path that times every call out and notes the store's outages
 * once: is this id refused, remember it, forget it.
 */
export class NoReconnectGate {
  /** The store's outages, read by getMetrics and the health check. */
  readonly outage: OutageLog;

  constructor(
    private readonly store: NoReconnectStore,
    private readonly settings: NoReconnectGateSettings,
    private readonly logger: Logger,
  ) {
    this.outage = new OutageLog(
      logger,
      NO_RECONNECT_STORE,
      'Reconnecting clients are let in (none is refused with 204), and disconnect() rejects.',
    );
  }

  /**
   * Fails open: while the store cannot answer, clients connect normally. Answering with an error
   * status instead would make every browser's EventSource stop for good, healthy ones included.
   */
  async isRefused(clientId: string): Promise<boolean> {
    try {
      return (await this.call(() => this.store.containsClientId(clientId), 'containsClientId')) === true;
    } catch {
      return false;
    }
  }

  /**
   * Stores the id, so that its reconnect is refused. Rejects, saying why, when the store cannot:
   * the caller then leaves the stream open, since ending it would only make the browser reconnect.
   */
  async remember(clientId: string): Promise<void> {
    try {
      await this.call(() => this.store.addClientId(clientId, this.settings.ttl), 'addClientId');
    } catch (cause) {
      this.undoRemember(clientId);
      throw new Error(
        `SSE client ${clientId} was not disconnected: ${NO_RECONNECT_STORE} could not remember its id, ` +
          'so its stream was left open rather than ended into a reconnect. Try again once the store is back.',
        { cause },
      );
    }
  }

  /** Never rejects: an id the store cannot forget expires with its TTL. */
  async forget(clientId: string): Promise<void> {
    try {
      await this.call(() => this.store.removeClientId(clientId), 'removeClientId');
    } catch (error) {
      this.logger.error(`${NO_RECONNECT_STORE} could not forget client ${clientId}; it expires with its TTL.`, stackOf(error));
    }
  }

  assertCanRefuse(): void {
    if (this.settings.canRefuse) return;
    throw new Error(
      `SseService.disconnect() needs both a ${CLIENT_ID_PROVIDER} that keeps a client's id across reconnects ` +
        `and a ${NO_RECONNECT_STORE} that remembers disconnected ids; the defaults (RandomClientIdProvider, ` +
        'NoopNoReconnectStore) do neither. Set clientIdProvider (e.g. CookieClientIdProvider) and ' +
        'noReconnectStore (e.g. InMemoryNoReconnectStore) in SseModule.forRoot().',
    );
  }

  private call<T>(call: () => T | PromiseLike<T>, method: string): T | Promise<T> {
    return this.outage.track(call, this.settings.timeout, `${NO_RECONNECT_STORE}.${method}()`);
  }

  /**
   * A store that queues writes while it cannot reach its server (a cache over keyv) carries an
   * add out once it can, after remember() has already rejected. The remove queued behind it
   * undoes it, so that the client is not refused later. Failing is expected here: the store is
   * away, and its outage is already known.
   */
  private undoRemember(clientId: string): void {
    Promise.resolve()
      .then(() => this.store.removeClientId(clientId))
      .catch(() => undefined);
  }
}
