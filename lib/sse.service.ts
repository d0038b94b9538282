import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit, Optional } from '@nestjs/common';
import type { Observable } from 'rxjs';
import type { SseBackplane } from './backplane/backplane.interface.js';
import type { ClientIdProvider } from './client-id/client-id-provider.interface.js';
import type { SseClientConnectedEvent, SseClientDisconnectedEvent, SseClientFilter } from './clients/client-events.js';
import type { SseClient } from './clients/sse-client.js';
import { sendQuestion } from './cluster/cluster-protocol.js';
import { EVERYONE } from './delivery/audience.js';
import type { SseEventAudience, SseEventLog } from './event-log/event-log.interface.js';
import type { SseConnectOptions } from './handshake/handshake.js';
import type { SseRequest, SseResponse } from './http/http-pair.js';
import type { NoReconnectStore } from './no-reconnect/no-reconnect-store.interface.js';
import { resolveOptions } from './options/resolved-options.js';
import type { SseHealth } from './observability/health-check.js';
import { OpenTelemetryMetrics } from './observability/open-telemetry-metrics.js';
import type { SseModuleOptions } from './options/sse-module-options.js';
import { BACKPLANE, CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE, SSE_MODULE_OPTIONS, SSE_SERVICE_NAME } from './sse.constants.js';
import { assembleParts, type SseParts } from './sse.parts.js';
import type { SseMetrics } from './support/metrics.js';
import { retryFrame } from './wire/frames.js';
import type { SseEvent } from './wire/sse-event.js';

/**
 * The module's one injectable: turns routes into event streams, and sends to one client, a
 * group or everyone, here or, with a backplane, on every instance.
 */
@Injectable()
export class SseService implements OnModuleInit, OnModuleDestroy {
  private readonly parts: SseParts;
  private readonly shutdownFrame?: Buffer;
  private telemetry?: OpenTelemetryMetrics;

  /** Fires after a client is registered, so it already receives broadcasts. */
  readonly clientConnected$: Observable<SseClientConnectedEvent>;
  /** Fires once per client, whatever ended its stream. */
  readonly clientDisconnected$: Observable<SseClientDisconnectedEvent>;

  constructor(
    @Inject(SSE_MODULE_OPTIONS) options: SseModuleOptions,
    @Inject(CLIENT_ID_PROVIDER) clientIds: ClientIdProvider,
    @Inject(NO_RECONNECT_STORE) noReconnect: NoReconnectStore,
    @Inject(EVENT_LOG) private readonly log: SseEventLog | null,
    @Inject(BACKPLANE) backplane: SseBackplane | null,
    /** Set for a named service (SseModule.forRoot({ name })). */
    @Optional() @Inject(SSE_SERVICE_NAME) private readonly name?: string,
  ) {
    const resolved = resolveOptions(options);
    this.parts = assembleParts(resolved, { clientIdProvider: clientIds, store: noReconnect, log, backplane }, name);
    this.shutdownFrame = resolved.shutdownFrame;
    this.clientConnected$ = this.parts.lifecycle.connected$;
    this.clientDisconnected$ = this.parts.lifecycle.disconnected$;
  }

  /** Subscribes to the backplane and follows the log. A Redis that is down delays startup by a few seconds at most. */
  async onModuleInit(): Promise<void> {
    const { connected$, disconnected$ } = this.parts.lifecycle;
    this.telemetry = await OpenTelemetryMetrics.start({ snapshot: this.parts.metricsNow, connected$, disconnected$, service: this.name });
    await Promise.all([this.parts.cluster?.start(), this.log?.follow?.((event) => this.parts.dispatcher.deliverLogged(event))]);
  }

  /**
   * Turns a GET request into an event stream. Call it from a controller method that takes
   * `@Req()` and `@Res()`, and return its promise. Requests that cannot become a stream reject
   * with an HttpException before anything is written (405, 406), so Nest's exception filters answer.
   *
   * Resolves when the stream has ended, or after the 204 that refuses a disconnected client.
   *
   * `options.clientId` names the client instead of the CLIENT_ID_PROVIDER, e.g. after the user
   * your guard authenticated. The provider is not asked, but is told when the id is released.
   */
  async connect(request: SseRequest, response: SseResponse, options: SseConnectOptions = {}): Promise<void> {
    return this.parts.handshake.admit(request, response, options);
  }

  getClient(clientId: string): SseClient | undefined {
    return this.parts.registry.get(clientId);
  }

  /** Clients connected to this instance, or its members of `group`. With a backplane, see `countClients`. */
  getClients(group?: string): SseClient[] {
    return [...(group === undefined ? this.parts.registry.values() : this.parts.registry.members(group))];
  }

  /** Group names, or the groups `clientOrId` belongs to. */
  getGroups(clientOrId?: SseClient | string): string[] {
    if (clientOrId === undefined) return this.parts.registry.groupNames();
    const client = this.parts.registry.current(clientOrId);
    return client ? this.parts.registry.groupsOf(client) : [];
  }

  /**
   * Sends to every connected client, on every instance when there is a backplane. The event is
   * encoded once, and logged for replay when there is an event log.
   *
   * With a `filter`, it goes only to the clients of this instance that the filter accepts, and
   * is not logged: a function cannot travel to other instances, nor be asked about a client that
   * reconnects later. Use groups to pick recipients across instances.
   */
  async broadcast(event: SseEvent, filter?: SseClientFilter): Promise<void> {
    return this.dispatch(event, EVERYONE, filter);
  }

  /** Sends to the members of `group`, across instances and logged as `broadcast` explains. */
  async sendToGroup(group: string, event: SseEvent, filter?: SseClientFilter): Promise<void> {
    return this.dispatch(event, { kind: 'group', group }, filter);
  }

  /**
   * Sends to the client with `clientId`, wherever it is connected. Resolves false when no
   * instance has it; the event is logged either way, so a client that comes back with an
   * earlier Last-Event-ID still gets it. `getClient(id)?.send(event)` reaches clients of this
   * instance only.
   */
  async sendToClient(clientId: string, event: SseEvent): Promise<boolean> {
    const client = this.parts.registry.get(clientId);
    if (client) return this.parts.dispatcher.sendTo(client, event).then(() => true);
    const cluster = this.parts.cluster;
    if (!cluster && !this.log) return false;
    return this.parts.dispatcher.forward(clientId, event, (encoded) => cluster?.askAny(sendQuestion(clientId, encoded)) ?? false);
  }

  /** How many clients are connected (to `group`), on every instance when there is a backplane. */
  async countClients(group?: string): Promise<number> {
    const here = this.parts.registry.count(group);
    return this.parts.cluster ? here + (await this.parts.cluster.askSum({ k: 'count', g: group })) : here;
  }

  /** True when the client is connected and now in `group`; false when no such client is connected. */
  addToGroup(group: string, clientOrId: SseClient | string): boolean {
    const client = this.parts.registry.current(clientOrId);
    if (client) this.parts.registry.join(checkGroup(group), client);
    return client !== undefined;
  }

  /** True when the client was in `group`. Groups left empty are deleted. */
  removeFromGroup(group: string, clientOrId: SseClient | string): boolean {
    const client = this.parts.registry.current(clientOrId);
    return client !== undefined && this.parts.registry.leave(group, client);
  }

  /**
   * Ends a client's stream and refuses its reconnect with 204 No Content, which makes EventSource
   * stop for good. The id is stored before the stream ends, so even an instant reconnect is
   * refused. Needs a CLIENT_ID_PROVIDER that keeps ids across reconnects and a real
   * NO_RECONNECT_STORE (shared by all instances, with a backplane).
   *
   * Resolves true when this instance, or with a backplane any instance, had the client; false
   * when none had it. Rejects, leaving the stream open, when the store cannot remember the id,
   * or when the client is not here and the other instances cannot be asked.
   */
  async disconnect(clientId: string): Promise<boolean> {
    this.parts.lifecycle.assertCanDisconnect();
    const client = this.parts.registry.get(clientId);
    const here = client ? this.parts.lifecycle.disconnect(client).then(() => true) : Promise.resolve(false);
    const elsewhere = this.parts.cluster?.askAny({ k: 'disconnect', c: clientId }) ?? Promise.resolve(false);
    const [local, remote] = await Promise.allSettled([here, elsewhere]);
    if (local.status === 'rejected') throw local.reason;
    // Client ids are unique, so a client found here is done even if the others cannot be asked.
    if (local.value) return true;
    if (remote.status === 'rejected') throw remote.reason;
    return remote.value;
  }

  /** Counters for this instance since startup: clients, connects, disconnects by reason, 204s, events, bytes, replays, outages. */
  getMetrics(): SseMetrics {
    return this.parts.metricsNow();
  }

  /** Asks the store, the event log and the backplane whether they can serve now, each within `storeTimeout`. */
  checkHealth(): Promise<SseHealth> {
    return this.parts.health.check();
  }

  /** Sends `retry: <ms>` to every connected client and to every client that connects later, on every instance. */
  async changeReconnectInterval(milliseconds: number): Promise<void> {
    const frame = retryFrame(milliseconds);
    return this.parts.sequencer.run(frame, () => {
      this.parts.reconnectInterval.change(frame);
      this.parts.cluster?.publishRetry(frame);
    });
  }

  /**
   * Ends every stream when the application closes, so `app.close()` does not wait on them: after
   * the disconnects under way have stored their ids and the sends under way have gone out, and
   * after `shutdownEvent` when one is set. Connections that arrive meanwhile are told to retry.
   */
  async onModuleDestroy(): Promise<void> {
    this.telemetry?.stop();
    await this.parts.lifecycle.shutdown(this.parts.sequencer.idle(), this.shutdownFrame);
  }

  /** Logged and sent to every instance, unless a filter picks recipients here. */
  private dispatch(event: SseEvent, audience: SseEventAudience, filter: SseClientFilter | undefined): Promise<void> {
    const cluster = filter === undefined ? this.parts.cluster : undefined;
    return this.parts.dispatcher.dispatch(
      event,
      audience,
      filter,
      cluster && ((encoded) => cluster.publishEvent(audience, encoded.frame, encoded.id)),
    );
  }
}

function checkGroup(group: string): string {
  if (typeof group !== 'string' || group === '') {
    throw new TypeError(`A group name must be a non-empty string; got ${JSON.stringify(group)}.`);
  }
  return group;
}
