import type { Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Observable, Subject } from 'rxjs';
import type { Dispatcher } from '../delivery/dispatcher.js';
import type { Keepalive } from '../delivery/keepalive.js';
import type { ReconnectInterval } from '../delivery/reconnect-interval.js';
import type { Replay } from '../delivery/replay.js';
import type { WriteBatcher } from '../delivery/write-batcher.js';
import { readLastEventId } from '../handshake/admission-checks.js';
import { watchClose, writeStreamHead } from '../http/responses.js';
import { createStreamWriter } from '../http/stream-writer.js';
import type { ClientIds } from '../identity/client-ids.js';
import type { NoReconnectGate } from '../identity/no-reconnect-gate.js';
import type { Metrics } from '../support/metrics.js';
import { EXPIRED_RETRY_WINDOW, RETRY_FLOOR } from '../sse.constants.js';
import { retryFrame } from '../wire/frames.js';
import type { SseClientConnectedEvent, SseClientDisconnectedEvent } from './client-events.js';
import { ClientQueue, type QueueSettings } from './client-queue.js';
import { ClientWelcome } from './client-welcome.js';
import type { ClientRegistry } from './client-registry.js';
import type { SseDisconnectReason } from '../support/disconnect-reason.js';
import { SseClient, type SseClientActions } from './sse-client.js';
import { StreamDeadlines } from './stream-deadlines.js';

export interface ClientLifecycleParts {
  registry: ClientRegistry;
  clientIds: ClientIds;
  gate: NoReconnectGate;
  replay: Replay;
  dispatcher: Dispatcher;
  keepalive: Keepalive;
  reconnectInterval: ReconnectInterval;
  batcher: WriteBatcher;
  metrics: Metrics;
  logger: Logger;
  maxBufferedBytes: number;
  /** The resetEvent option's frame: first on a stream whose Last-Event-ID cannot be resumed from. */
  resetFrame?: Buffer;
  /** ms over which the clients reconnect after shutdown; 0 leaves their own delay. */
  drainWindow: number;
  /** ms after which a stream ends (jittered), to come back through the guards; none by default. */
  maxConnectionAge?: number;
}

/**
 * A `retry:` drawn uniformly from [0, window), so that the clients given one do not come back
 * together; never below RETRY_FLOOR, because a browser keeps it as its delay for later outages too.
 */
const retryWithin = (window: number): Buffer => retryFrame(Math.max(RETRY_FLOOR, Math.floor(Math.random() * window)));

/**
 * A client from the stream's first byte to its last: opened (replacing one with its id, resumed
 * from the log), ended with a reason, disconnected for good, or shut down with the app. Fires
 * `connected$` once it is registered and `disconnected$` exactly once when it ends.
 */
export class ClientLifecycle {
  private readonly disconnected = new Subject<SseClientDisconnectedEvent>();
  private readonly disconnecting = new Map<SseClient, Promise<void>>();
  private readonly queueSettings: QueueSettings;
  private readonly actions: SseClientActions;
  private readonly welcome: ClientWelcome;
  private readonly deadlines: StreamDeadlines<SseClient>;
  private closing = false;

  readonly connected$: Observable<SseClientConnectedEvent>;
  readonly disconnected$: Observable<SseClientDisconnectedEvent> = this.disconnected.asObservable();

  constructor(private readonly parts: ClientLifecycleParts) {
    const { batcher, metrics, maxBufferedBytes, dispatcher } = parts;
    this.queueSettings = { maxBufferedBytes, metrics, schedule: (queue) => batcher.schedule(queue) };
    this.actions = { send: (client, event) => dispatcher.sendTo(client, event), disconnect: (client) => this.disconnect(client) };
    this.welcome = new ClientWelcome(parts);
    this.connected$ = this.welcome.connected$;
    this.deadlines = new StreamDeadlines(parts.maxConnectionAge, (client) => this.expire(client));
  }

  /** True from app.close() on: new connections are told to retry elsewhere. */
  get shuttingDown(): boolean {
    return this.closing;
  }

  /** What a connection arriving during shutdown is told: when to come back, within the drain window. */
  drainFrame(): Buffer | undefined {
    return this.parts.drainWindow > 0 ? retryWithin(this.parts.drainWindow) : this.parts.reconnectInterval.frame;
  }

  /** Registers the stream, until `expiresAt` (epoch ms) at the latest, and starts its replay; resolves when the stream ends. */
  open(clientId: string, req: IncomingMessage, res: ServerResponse, expiresAt?: number): Promise<void> {
    const { registry, metrics, logger, keepalive } = this.parts;
    const previous = registry.get(clientId);
    if (previous) this.end(previous, 'replaced');
    writeStreamHead(req, res, this.parts.reconnectInterval.frame);
    // The queue ends its client when the client falls too far behind; each needs the other.
    let client!: SseClient;
    const queue = new ClientQueue(res, createStreamWriter(res), this.queueSettings, () => this.end(client, 'slow'));
    client = new SseClient(clientId, req, readLastEventId(req), res, queue, this.actions);
    registry.add(client);
    this.deadlines.track(client, expiresAt);
    metrics.connected();
    logger.debug(`Client ${clientId} connected; ${registry.size} here.`);
    const ended = watchClose(req, res, () => this.end(client, 'client'));
    res.on('error', () => this.end(client, 'client'));
    keepalive.start();
    this.welcome.begin(client);
    return ended;
  }

  /** Ends a stream, once, for `reason`; what follows (release, events, counts) is the same whatever ended it. */
  end(client: SseClient, reason: SseDisconnectReason): void {
    const leaving = reason === 'client' || reason === 'slow';
    const ended = leaving ? client.queue.abandon() : client.queue.finish();
    if (!ended) return;
    // What it has not read cannot be flushed; cutting the connection frees it at once.
    if (reason === 'slow') client.response.destroy();
    const { registry, replay, metrics, logger } = this.parts;
    const welcomed = !replay.resuming.has(client);
    replay.resuming.delete(client);
    registry.remove(client);
    this.deadlines.forget(client);
    if (registry.size === 0) this.parts.keepalive.stop();
    if (leaving || reason === 'shutdown' || reason === 'expired')
      void this.parts.clientIds.release(client.id, client.request, client.response);
    metrics.disconnected(reason);
    logger.debug(`Client ${client.id} disconnected (${reason}); ${registry.size} here.`);
    if (welcomed) this.disconnected.next({ client, request: client.request, lastEventId: client.lastEventId, reason });
  }

  /** Throws, saying what to set, when the ports in use cannot keep a disconnected client out. */
  assertCanDisconnect(): void {
    this.parts.gate.assertCanRefuse();
  }

  /** Stores the id, then ends the stream; concurrent calls for one client share one store call. */
  async disconnect(client: SseClient): Promise<void> {
    this.assertCanDisconnect();
    if (!client.isConnected) return;
    let pending = this.disconnecting.get(client);
    if (!pending) {
      pending = this.rememberThenEnd(client).finally(() => this.disconnecting.delete(client));
      this.disconnecting.set(client, pending);
    }
    return pending;
  }

  /**
   * Ends every stream, after the disconnects under way have stored their ids and `drained` (the
   * sends under way) has settled: `farewell` last when there is one, then a retry within the drain
   * window. It does not wait for the window; the reconnects spread over it.
   */
  async shutdown(drained: Promise<unknown>, farewell: Buffer | undefined): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.disconnecting.values(), drained]);
    const { drainWindow } = this.parts;
    for (const client of [...this.parts.registry.values()]) {
      if (farewell) client.queue.enqueueLast(farewell);
      if (drainWindow > 0) client.queue.enqueueLast(retryWithin(drainWindow));
      this.end(client, 'shutdown');
    }
    this.parts.keepalive.stop();
    this.welcome.complete();
    this.disconnected.complete();
  }

  /** Past its age or its credential: told to come back soon (not refused), and ended. */
  private expire(client: SseClient): void {
    client.queue.enqueueLast(retryWithin(EXPIRED_RETRY_WINDOW));
    this.end(client, 'expired');
  }

  private async rememberThenEnd(client: SseClient): Promise<void> {
    await this.parts.gate.remember(client.id);
    // The same browser may have reconnected meanwhile; its id is now refused, so end that stream too.
    const target = client.isConnected ? client : this.parts.registry.get(client.id);
    if (target) this.end(target, 'server');
  }
}
