import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Observable, Subject } from 'rxjs';
import type { ClientIdProvider } from './client-id/client-id-provider.interface.js';
import { RandomClientIdProvider } from './client-id/random-client-id.provider.js';
import { ClientRegistry } from './client-registry.js';
import type { SseEventAudience, SseEventLog, SseLoggedEvent } from './event-log/event-log.interface.js';
import { encodeEvent, serializeEvent, serializeRetry } from './event-serializer.js';
import { isGone, type SseRequest, type SseResponse, toHttpPair } from './http/http-pair.js';
import { assertStreamable, writeNoContent, writeStreamHead } from './http/stream-head.js';
import { createStreamWriter } from './http/stream-writer.js';
import { KeepaliveTimer } from './keepalive-timer.js';
import type { NoReconnectStore } from './no-reconnect/no-reconnect-store.interface.js';
import { NoopNoReconnectStore } from './no-reconnect/noop-no-reconnect.store.js';
import { type ResolvedSseOptions, resolveOptions } from './resolved-options.js';
import { CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE } from './sse.constants.js';
import { SSE_MODULE_OPTIONS } from './sse.module-definition.js';
import { SseClient, type SseClientOwner } from './sse-client.js';
import type {
  SseClientConnectedEvent,
  SseClientDisconnectedEvent,
  SseClientFilter,
  SseDisconnectReason,
} from './sse-client-events.js';
import type { SseEvent, SseMessageEvent } from './sse-event.js';
import type { SseModuleOptions } from './sse-module-options.js';
import { WriteBatcher } from './write-batcher.js';

@Injectable()
export class SseService implements OnModuleDestroy {
  private readonly logger = new Logger('SseService');
  private readonly registry = new ClientRegistry();
  private readonly batcher = new WriteBatcher();
  private readonly disconnecting = new Map<SseClient, Promise<void>>();
  private readonly connected = new Subject<SseClientConnectedEvent>();
  private readonly disconnected = new Subject<SseClientDisconnectedEvent>();
  private readonly options: ResolvedSseOptions;
  private readonly keepalive?: KeepaliveTimer;
  private readonly owner: SseClientOwner;
  private readonly canDisconnect: boolean;
  private retryFrame?: Buffer;
  private shuttingDown = false;

  /** Fires after a client is registered, so it already receives broadcasts. */
  readonly clientConnected$: Observable<SseClientConnectedEvent> = this.connected.asObservable();
  /** Fires once per client, whatever ended its stream. */
  readonly clientDisconnected$: Observable<SseClientDisconnectedEvent> = this.disconnected.asObservable();

  constructor(
    @Inject(SSE_MODULE_OPTIONS) options: SseModuleOptions,
    @Inject(CLIENT_ID_PROVIDER) private readonly clientIds: ClientIdProvider,
    @Inject(NO_RECONNECT_STORE) private readonly noReconnect: NoReconnectStore,
    @Inject(EVENT_LOG) private readonly log: SseEventLog | null,
  ) {
    assertImplements(clientIds, CLIENT_ID_PROVIDER, ['acquireClientId', 'releaseClientId']);
    assertImplements(noReconnect, NO_RECONNECT_STORE, ['addClientId', 'containsClientId', 'removeClientId']);
    if (log !== null) assertImplements(log, EVENT_LOG, ['nextId', 'append', 'since']);
    this.options = resolveOptions(options);
    this.retryFrame = this.options.retryFrame;
    const keepalive = this.options.keepalive;
    if (keepalive) this.keepalive = new KeepaliveTimer(keepalive.interval, () => this.sendKeepalives(keepalive.frame));
    this.owner = {
      schedule: (client) => this.batcher.schedule(client),
      encode: (event, audience) => this.encode(event, audience),
      disconnectClient: (client) => this.disconnectClient(client),
    };
    this.canDisconnect = !(clientIds instanceof RandomClientIdProvider) && !(noReconnect instanceof NoopNoReconnectStore);
  }

  /**
   * Turns a GET request into an event stream. Call it from a controller method that takes
   * `@Req()` and `@Res()`, and return its promise. Requests that cannot become a stream reject
   * with an HttpException before anything is written (405, 406), so Nest's exception filters answer.
   *
   * Resolves when the stream has ended, or after the 204 that refuses a disconnected client.
   */
  async connect(request: SseRequest, response: SseResponse): Promise<void> {
    const { req, res, takeOver } = toHttpPair(request, response);
    assertStreamable(req, res);
    const clientId = await this.acquireClientId(req, res);
    if (await this.isRefused(clientId)) {
      takeOver();
      return this.refuseReconnect(clientId, req, res);
    }
    if (isGone(res)) return;
    takeOver();
    if (this.shuttingDown) return this.endAtOnce(req, res);
    return this.open(clientId, req, res);
  }

  getClient(clientId: string): SseClient | undefined {
    return this.registry.get(clientId);
  }

  /** Clients connected to this instance, or the members of `group`. */
  getClients(group?: string): SseClient[] {
    return [...(group === undefined ? this.registry.values() : this.registry.members(group))];
  }

  /** Group names, or the groups `clientOrId` belongs to. */
  getGroups(clientOrId?: SseClient | string): string[] {
    if (clientOrId === undefined) return this.registry.groupNames();
    const client = this.resolve(clientOrId);
    return client ? this.registry.groupsOf(client) : [];
  }

  /**
   * Sends to every connected client (that `filter` accepts). The event is encoded once. With an
   * event log, it is logged for replay unless a filter picks its recipients: a filter cannot be
   * asked about a client that reconnects later.
   */
  async broadcast(event: SseEvent, filter?: SseClientFilter): Promise<void> {
    this.deliver(this.registry.values(), this.encode(event, filter ? undefined : { kind: 'all' }), filter);
  }

  /** Sends to the members of `group` (that `filter` accepts), logged as `broadcast` explains. */
  async sendToGroup(group: string, event: SseEvent, filter?: SseClientFilter): Promise<void> {
    this.deliver(this.registry.members(group), this.encode(event, filter ? undefined : { kind: 'group', group }), filter);
  }

  /** True when the client is connected and now in `group`; false when no such client is connected. */
  addToGroup(group: string, clientOrId: SseClient | string): boolean {
    const client = this.resolve(clientOrId);
    if (client) this.registry.join(checkGroup(group), client);
    return client !== undefined;
  }

  /** True when the client was in `group`. Groups left empty are deleted. */
  removeFromGroup(group: string, clientOrId: SseClient | string): boolean {
    const client = this.resolve(clientOrId);
    return client !== undefined && this.registry.leave(group, client);
  }

  /**
   * Ends a client's stream and refuses its reconnect with 204 No Content, which makes EventSource
   * stop for good. The id is stored before the stream ends, so even an instant reconnect is
   * refused. Needs a CLIENT_ID_PROVIDER that keeps ids across reconnects and a real
   * NO_RECONNECT_STORE. Resolves false when no such client is connected here.
   */
  async disconnect(clientId: string): Promise<boolean> {
    this.assertCanDisconnect();
    const client = this.registry.get(clientId);
    if (!client) return false;
    await this.disconnectClient(client);
    return true;
  }

  /** Sends `retry: <ms>` to every connected client and to every client that connects later. */
  async changeReconnectInterval(milliseconds: number): Promise<void> {
    const frame = Buffer.from(serializeRetry(milliseconds));
    this.retryFrame = frame;
    this.deliver(this.registry.values(), frame);
  }

  /** Ends every stream when the application closes, so `app.close()` does not wait on them. */
  onModuleDestroy(): void {
    this.shuttingDown = true;
    for (const client of [...this.registry.values()]) this.finish(client, 'shutdown');
    this.keepalive?.stop();
    this.connected.complete();
    this.disconnected.complete();
  }

  private async acquireClientId(req: IncomingMessage, res: ServerResponse): Promise<string> {
    const clientId = await this.clientIds.acquireClientId(req, res);
    if (typeof clientId !== 'string' || clientId === '') {
      throw new Error(
        `${CLIENT_ID_PROVIDER}.acquireClientId() returned ${JSON.stringify(clientId)}; it must return a non-empty string.`,
      );
    }
    return clientId;
  }

  /**
   * Fails open: while the store cannot answer, clients connect normally. Answering with an error
   * status instead would make every browser's EventSource stop for good, healthy ones included.
   */
  private async isRefused(clientId: string): Promise<boolean> {
    try {
      return (await this.noReconnect.containsClientId(clientId)) === true;
    } catch (error) {
      this.logger.error(`${NO_RECONNECT_STORE} could not be asked about client ${clientId}; letting it connect.`, errorStack(error));
      return false;
    }
  }

  private async refuseReconnect(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A refusal that cannot be delivered is not used up: the browser's next attempt gets it.
    if (isGone(res)) return;
    // Released before the 204 is written, so a cookie provider can still delete its cookie in it.
    await this.release(clientId, req, res);
    try {
      await this.noReconnect.removeClientId(clientId);
    } catch (error) {
      this.logger.error(`${NO_RECONNECT_STORE} could not forget client ${clientId}; it expires with its TTL.`, errorStack(error));
    }
    if (!isGone(res)) writeNoContent(res);
  }

  private open(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const previous = this.registry.get(clientId);
    if (previous) this.finish(previous, 'replaced');
    writeStreamHead(req, res, this.retryFrame);
    const client = new SseClient(clientId, req, readLastEventId(req), res, createStreamWriter(res), this.owner);
    this.registry.add(client);
    const ended = client.watch(() => this.finish(client, 'client'));
    res.on('error', () => this.finish(client, 'client'));
    this.keepalive?.start();
    // Read before the connected event, so events sent by its handlers are not replayed as well.
    const missed = client.lastEventId === undefined ? undefined : this.log?.since(client.lastEventId);
    this.connected.next({ client, request: req, lastEventId: client.lastEventId, resumed: missed !== undefined });
    // After it, so the groups its handlers joined count.
    if (missed) client.replay(this.replayable(client, missed));
    return ended;
  }

  /** During shutdown: a 200 that ends at once makes EventSource retry, against another instance. */
  private endAtOnce(req: IncomingMessage, res: ServerResponse): void {
    writeStreamHead(req, res, this.retryFrame);
    res.end();
  }

  private finish(client: SseClient, reason: SseDisconnectReason): void {
    if (!client.close(reason !== 'client')) return;
    this.registry.remove(client);
    if (this.registry.size === 0) this.keepalive?.stop();
    if (reason === 'client' || reason === 'shutdown') void this.release(client.id, client.request, client.response);
    this.disconnected.next({ client, request: client.request, lastEventId: client.lastEventId, reason });
  }

  private async disconnectClient(client: SseClient): Promise<void> {
    this.assertCanDisconnect();
    if (!client.isConnected) return;
    let pending = this.disconnecting.get(client);
    if (!pending) {
      pending = this.rememberThenEnd(client).finally(() => this.disconnecting.delete(client));
      this.disconnecting.set(client, pending);
    }
    return pending;
  }

  private async rememberThenEnd(client: SseClient): Promise<void> {
    try {
      await this.noReconnect.addClientId(client.id, this.options.noReconnectTtl);
    } catch (cause) {
      throw new Error(
        `SSE client ${client.id} was not disconnected: ${NO_RECONNECT_STORE} could not remember its id, ` +
          'so its stream was left open rather than ended into a reconnect. Try again once the store is back.',
        { cause },
      );
    }
    // The same browser may have reconnected meanwhile; its id is now refused, so end that stream too.
    const target = client.isConnected ? client : this.registry.get(client.id);
    if (target) this.finish(target, 'server');
  }

  private async release(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.clientIds.releaseClientId(clientId, req, res);
    } catch (error) {
      this.logger.error(`${CLIENT_ID_PROVIDER}.releaseClientId(${clientId}) failed.`, errorStack(error));
    }
  }

  /** Without an audience (or a log) the event is only encoded; otherwise it gets an id if it lacks one, and is logged. */
  private encode(event: SseEvent, audience: SseEventAudience | undefined): Buffer {
    const message: SseMessageEvent = typeof event === 'string' ? { data: event } : event;
    if (!this.log || !audience || message.data === undefined) return encodeEvent(message);
    const id = message.id === undefined ? this.log.nextId() : String(message.id);
    const frame = serializeEvent({ ...message, id });
    this.log.append({ id, frame, audience });
    return Buffer.from(frame);
  }

  private replayable(client: SseClient, events: readonly SseLoggedEvent[]): Buffer[] {
    return events.filter(({ audience }) => this.reaches(audience, client)).map(({ frame }) => Buffer.from(frame));
  }

  private reaches(audience: SseEventAudience, client: SseClient): boolean {
    if (audience.kind === 'all') return true;
    if (audience.kind === 'client') return audience.clientId === client.id;
    return this.registry.isMember(audience.group, client);
  }

  private deliver(clients: Iterable<SseClient>, frame: Buffer, filter?: SseClientFilter): void {
    for (const client of clients) {
      if (filter === undefined || filter(client)) client.enqueue(frame);
    }
  }

  private sendKeepalives(frame: Buffer): void {
    for (const client of this.registry.values()) client.keepalive(frame);
  }

  private resolve(clientOrId: SseClient | string): SseClient | undefined {
    return typeof clientOrId === 'string' ? this.registry.get(clientOrId) : this.registry.current(clientOrId);
  }

  private assertCanDisconnect(): void {
    if (this.canDisconnect) return;
    throw new Error(
      `SseService.disconnect() needs both a ${CLIENT_ID_PROVIDER} that keeps a client's id across reconnects ` +
        `and a ${NO_RECONNECT_STORE} that remembers disconnected ids; the defaults (RandomClientIdProvider, ` +
        'NoopNoReconnectStore) do neither. Set clientIdProvider (e.g. CookieClientIdProvider) and ' +
        'noReconnectStore (e.g. InMemoryNoReconnectStore) in SseModule.forRoot().',
    );
  }
}

function readLastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  return typeof header === 'string' && header.trim() !== '' ? header : undefined;
}

function checkGroup(group: string): string {
  if (typeof group !== 'string' || group === '') {
    throw new TypeError(`A group name must be a non-empty string; got ${JSON.stringify(group)}.`);
  }
  return group;
}

function assertImplements(value: unknown, token: string, methods: string[]): void {
  const missing = methods.filter((name) => typeof (value as Record<string, unknown> | null)?.[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`The ${token} provider lacks ${missing.join(', ')}(); give it an object that implements them.`);
  }
}

function errorStack(error: unknown): string | undefined {
  return error instanceof Error ? error.stack : String(error);
}
