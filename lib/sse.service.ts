import { HttpException, Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Observable, Subject } from 'rxjs';
import type { SseBackplane } from './backplane/backplane.interface.js';
import { ClusterBus, type ClusterQuestion } from './backplane/cluster-bus.js';
import type { ClientIdProvider } from './client-id/client-id-provider.interface.js';
import { RandomClientIdProvider } from './client-id/random-client-id.provider.js';
import { ClientRegistry } from './client-registry.js';
import type { SseEventAudience, SseEventLog, SseLoggedEvent, SseMissedEvents } from './event-log/event-log.interface.js';
import {
  encodeEvent,
  encodeLogged,
  MAX_EVENT_ID_LENGTH,
  serializeComment,
  serializeEvent,
  serializeIdLine,
  serializeRetry,
} from './event-serializer.js';
import { isGone, type SseRequest, type SseResponse, toHttpPair } from './http/http-pair.js';
import { assertStreamable, writeNoContent, writeStreamHead } from './http/stream-head.js';
import { StreamConnections, turnOf } from './http/stream-connections.js';
import { createStreamWriter } from './http/stream-writer.js';
import { KeepaliveTimer } from './keepalive-timer.js';
import type { NoReconnectStore } from './no-reconnect/no-reconnect-store.interface.js';
import { NoopNoReconnectStore } from './no-reconnect/noop-no-reconnect.store.js';
import { OutageLog } from './outage-log.js';
import { type ResolvedSseOptions, resolveOptions } from './resolved-options.js';
import { SendQueue } from './send-queue.js';
import { messageOf, stackOf } from './sse.errors.js';
import { MetricsCounters, type SseMetrics } from './sse-metrics.js';
import { BACKPLANE, CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE } from './sse.constants.js';
import { SSE_MODULE_OPTIONS } from './sse.module-definition.js';
import { NO_REPLAY, SseClient, type SseClientOwner, type SseReplay } from './sse-client.js';
import type { SseClientConnectedEvent, SseClientDisconnectedEvent, SseClientFilter, SseDisconnectReason } from './sse-client-events.js';
import type { SseEvent, SseMessageEvent } from './sse-event.js';
import type { SseModuleOptions } from './sse-module-options.js';
import { isThenable, withTimeout } from './timeout.js';
import { WriteBatcher } from './write-batcher.js';

export interface SseConnectOptions {
  /**
   * The client's id, instead of asking the CLIENT_ID_PROVIDER: for ids that come from what the
   * controller knows (the authenticated user), on any platform. Must stay the same when the same
   * client reconnects, for `disconnect()` to keep it out.
   */
  clientId?: string;
}

/** An event's bytes, its id, and whether the event log took it and delivers it (see SseEventLog.follow). */
interface Encoded {
  frame: Buffer;
  id?: string;
  deliveredByLog?: boolean;
}

const EVERYONE: SseEventAudience = { kind: 'all' };

@Injectable()
export class SseService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('SseService');
  private readonly registry = new ClientRegistry();
  private readonly batcher = new WriteBatcher();
  private readonly connections = new StreamConnections();
  private readonly disconnecting = new Map<SseClient, Promise<void>>();
  /** Clients whose replay is being read; see `holdForLater`. */
  private readonly holding = new Set<SseClient>();
  private readonly connected = new Subject<SseClientConnectedEvent>();
  private readonly disconnected = new Subject<SseClientDisconnectedEvent>();
  private readonly options: ResolvedSseOptions;
  private readonly keepalive?: KeepaliveTimer;
  private readonly owner: SseClientOwner;
  private readonly canDisconnect: boolean;
  /** The log delivers what it logged (see SseEventLog.follow), so sends of logged events stop at the log. */
  private readonly logDelivers: boolean;
  private readonly outbox = new SendQueue();
  private readonly replayFrames = new WeakMap<SseLoggedEvent, Buffer>();
  private readonly sharedReplays = new WeakMap<readonly SseLoggedEvent[], SseReplay | null>();
  private readonly cluster?: ClusterBus;
  private readonly storeOutage = new OutageLog(
    this.logger,
    NO_RECONNECT_STORE,
    'Reconnecting clients are let in (none is refused with 204), and disconnect() rejects.',
  );
  private readonly logOutage = new OutageLog(
    this.logger,
    EVENT_LOG,
    'Events go out without a logged id, and reconnecting clients get no replay.',
  );
  private readonly counters = new MetricsCounters();
  private retryFrame?: Buffer;
  private shuttingDown = false;
  private fullLogged = false;

  /** Fires after a client is registered, so it already receives broadcasts. */
  readonly clientConnected$: Observable<SseClientConnectedEvent> = this.connected.asObservable();
  /** Fires once per client, whatever ended its stream. */
  readonly clientDisconnected$: Observable<SseClientDisconnectedEvent> = this.disconnected.asObservable();

  constructor(
    @Inject(SSE_MODULE_OPTIONS) options: SseModuleOptions,
    @Inject(CLIENT_ID_PROVIDER) private readonly clientIds: ClientIdProvider,
    @Inject(NO_RECONNECT_STORE) private readonly noReconnect: NoReconnectStore,
    @Inject(EVENT_LOG) private readonly log: SseEventLog | null,
    @Inject(BACKPLANE) backplane: SseBackplane | null,
  ) {
    assertImplements(clientIds, CLIENT_ID_PROVIDER, ['acquireClientId', 'releaseClientId']);
    assertImplements(noReconnect, NO_RECONNECT_STORE, ['addClientId', 'containsClientId', 'removeClientId']);
    if (log !== null) assertImplements(log, EVENT_LOG, ['append', 'since']);
    if (backplane !== null) assertImplements(backplane, BACKPLANE, ['subscribe', 'publish']);
    this.options = resolveOptions(options);
    this.retryFrame = this.options.retryFrame;
    const keepalive = this.options.keepalive;
    if (keepalive) this.keepalive = new KeepaliveTimer(keepalive.interval, () => this.sendKeepalives(keepalive.frame));
    this.owner = {
      schedule: (client) => this.batcher.schedule(client),
      send: (client, event) => this.sendTo(client, event),
      disconnectClient: (client) => this.disconnectClient(client),
      maxBufferedBytes: this.options.maxBufferedBytes,
      counters: this.counters,
      overflowed: (client) => this.finish(client, 'slow'),
    };
    this.canDisconnect = !(clientIds instanceof RandomClientIdProvider) && !(noReconnect instanceof NoopNoReconnectStore);
    if (backplane !== null) this.cluster = this.joinCluster(backplane);
    this.logDelivers = typeof log?.follow === 'function';
  }

  /** Subscribes to the backplane and follows the log. A Redis that is down delays startup by a few seconds at most. */
  async onModuleInit(): Promise<void> {
    await Promise.all([this.cluster?.start(), this.log?.follow?.((event) => this.deliverFollowed(event))]);
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
    const { req, res, takeOver } = toHttpPair(request, response);
    assertStreamable(req, res);
    // A connection that pipelines a second stream request is closed (see StreamConnections), and
    // one that closes while its request waits its turn is gone: neither is answered.
    if (!this.connections.claim(req, res) || !(await turnOf(req, res))) {
      takeOver();
      return;
    }
    const given = options.clientId;
    const clientId = given === undefined ? await this.acquireClientId(req, res) : checkClientId(given, 'connect() options.clientId');
    if (await this.isRefused(clientId)) {
      takeOver();
      return this.refuseReconnect(clientId, req, res);
    }
    // The request was aborted while the store was asked.
    if (isGone(res)) return this.release(clientId, req, res);
    takeOver();
    if (this.shuttingDown) return this.turnAway(clientId, req, res, this.retryFrame);
    if (this.isFull(clientId)) return this.turnAway(clientId, req, res, this.fullFrame());
    return this.open(clientId, req, res);
  }

  getClient(clientId: string): SseClient | undefined {
    return this.registry.get(clientId);
  }

  /** Clients connected to this instance, or its members of `group`. With a backplane, see `countClients`. */
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
    const client = this.registry.get(clientId);
    if (client) return this.sendTo(client, event).then(() => true);
    const cluster = this.cluster;
    if (!cluster) {
      if (this.log) await this.outbox.run(this.encode(event, { kind: 'client', clientId }), () => undefined);
      return false;
    }
    let delivered!: Promise<boolean>;
    await this.outbox.run(this.encode(event, { kind: 'client', clientId }), ({ frame, id, deliveredByLog }) => {
      // A log that delivers does so on the client's instance; the others are only asked who has it.
      const question: ClusterQuestion = deliveredByLog ? { k: 'has', c: clientId } : { k: 'send', c: clientId, f: frame.toString(), i: id };
      delivered = cluster.askAny(question);
    });
    return delivered;
  }

  /** How many clients are connected (to `group`), on every instance when there is a backplane. */
  async countClients(group?: string): Promise<number> {
    const here = this.registry.count(group);
    return this.cluster ? here + (await this.cluster.askSum({ k: 'count', g: group })) : here;
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
   * NO_RECONNECT_STORE (shared by all instances, with a backplane).
   *
   * Resolves true when this instance, or with a backplane any instance, had the client; false
   * when none had it. Rejects, leaving the stream open, when the store cannot remember the id,
   * or when the client is not here and the other instances cannot be asked.
   */
  async disconnect(clientId: string): Promise<boolean> {
    this.assertCanDisconnect();
    const client = this.registry.get(clientId);
    const here = client ? this.disconnectClient(client).then(() => true) : Promise.resolve(false);
    const elsewhere = this.cluster?.askAny({ k: 'disconnect', c: clientId }) ?? Promise.resolve(false);
    const [local, remote] = await Promise.allSettled([here, elsewhere]);
    if (local.status === 'rejected') throw local.reason;
    // Client ids are unique, so a client found here is done even if the others cannot be asked.
    if (local.value) return true;
    if (remote.status === 'rejected') throw remote.reason;
    return remote.value;
  }

  /** Counters for this instance since startup: clients, connects, disconnects by reason, 204s, events, bytes. */
  getMetrics(): SseMetrics {
    return this.counters.snapshot(this.registry.size);
  }

  /** Sends `retry: <ms>` to every connected client and to every client that connects later, on every instance. */
  async changeReconnectInterval(milliseconds: number): Promise<void> {
    const frame = Buffer.from(serializeRetry(milliseconds));
    return this.outbox.run(frame, () => {
      this.applyRetry(frame);
      this.cluster?.publishRetry(frame);
    });
  }

  /**
   * Ends every stream when the application closes, so `app.close()` does not wait on them: after
   * the disconnects under way have stored their ids and the sends under way have gone out, and
   * after `shutdownEvent` when one is set. Connections that arrive meanwhile are told to retry.
   */
  async onModuleDestroy(): Promise<void> {
    this.shuttingDown = true;
    await Promise.allSettled([...this.disconnecting.values(), this.outbox.idle()]);
    const farewell = this.options.shutdownFrame;
    for (const client of [...this.registry.values()]) {
      if (farewell) client.enqueueLast(farewell);
      this.finish(client, 'shutdown');
    }
    this.keepalive?.stop();
    this.connected.complete();
    this.disconnected.complete();
  }

  private async acquireClientId(req: IncomingMessage, res: ServerResponse): Promise<string> {
    let clientId: unknown;
    try {
      clientId = await this.clientIds.acquireClientId(req, res);
    } catch (cause) {
      // A provider may refuse on purpose (401, 403): Nest answers those as they are.
      if (cause instanceof HttpException) throw cause;
      throw new Error(`${CLIENT_ID_PROVIDER}.acquireClientId() failed, so no stream was opened: ${messageOf(cause)}`, { cause });
    }
    return checkClientId(clientId, `${CLIENT_ID_PROVIDER}.acquireClientId()`);
  }

  /**
   * Fails open: while the store cannot answer, clients connect normally. Answering with an error
   * status instead would make every browser's EventSource stop for good, healthy ones included.
   */
  private async isRefused(clientId: string): Promise<boolean> {
    try {
      const what = `${NO_RECONNECT_STORE}.containsClientId()`;
      return (await this.storeOutage.track(() => this.noReconnect.containsClientId(clientId), this.options.storeTimeout, what)) === true;
    } catch {
      return false;
    }
  }

  private storeCall<T>(call: () => T | Promise<T>, method: string): Promise<T> {
    return withTimeout(call(), this.options.storeTimeout, `${NO_RECONNECT_STORE}.${method}()`);
  }

  private async refuseReconnect(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A refusal that cannot be delivered is not used up: the browser's next attempt gets it.
    if (isGone(res)) return;
    // Released before the 204 is written, so a cookie provider can still delete its cookie in it.
    await this.release(clientId, req, res);
    try {
      await this.storeCall(() => this.noReconnect.removeClientId(clientId), 'removeClientId');
    } catch (error) {
      this.logger.error(`${NO_RECONNECT_STORE} could not forget client ${clientId}; it expires with its TTL.`, stackOf(error));
    }
    if (isGone(res)) return;
    writeNoContent(res);
    this.counters.refused++;
    this.logger.debug(`Client ${clientId} came back after a server disconnect and was refused (204).`);
  }

  private open(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const previous = this.registry.get(clientId);
    if (previous) this.finish(previous, 'replaced');
    writeStreamHead(req, res, this.retryFrame);
    const client = new SseClient(clientId, req, readLastEventId(req), res, createStreamWriter(res), this.owner);
    this.registry.add(client);
    this.counters.connects++;
    this.logger.debug(`Client ${clientId} connected; ${this.registry.size} here.`);
    const ended = client.watch(() => this.finish(client, 'client'));
    res.on('error', () => this.finish(client, 'client'));
    this.keepalive?.start();
    // Read before the connected event, so events sent by its handlers are not replayed as well.
    const missed = this.readMissed(client.lastEventId);
    if (isThenable(missed)) this.welcomeLater(client, missed);
    else this.welcome(client, missed);
    return ended;
  }

  /** Holds what is sent to the client meanwhile, to write it after the replay. */
  private welcomeLater(client: SseClient, missed: Promise<SseMissedEvents>): void {
    client.hold();
    this.holding.add(client);
    missed
      .then((events) => this.welcome(client, events))
      // welcome threw (a bad id from a custom log, or a handler): let the client in without a replay.
      .catch((error: unknown) => {
        this.logger.error(`Could not replay the events client ${client.id} missed.`, stackOf(error));
        client.resume(NO_REPLAY);
      });
  }

  /** Never rejects: a log that cannot answer means nothing can be replayed. */
  private readMissed(lastEventId: string | undefined): SseMissedEvents | Promise<SseMissedEvents> {
    const log = this.log;
    if (!log || lastEventId === undefined) return undefined;
    try {
      const missed = this.logOutage.track((options) => log.since(lastEventId, options), this.options.storeTimeout, `${EVENT_LOG}.since()`);
      return isThenable(missed) ? missed.catch(() => undefined) : missed;
    } catch {
      return undefined;
    }
  }

  private welcome(client: SseClient, missed: SseMissedEvents): void {
    this.holding.delete(client);
    // A client that left while its replay was read gets neither event (see finish).
    if (!client.isConnected) return;
    this.connected.next({ client, request: client.request, lastEventId: client.lastEventId, resumed: missed !== undefined });
    // After it, so the groups its handlers joined count.
    client.resume(missed ? this.replayFor(client, missed) : NO_REPLAY);
  }

  /**
   * A 200 that ends at once makes EventSource retry later, with a load balancer likely against
   * another instance; any other status would make it give up for good. Released once the head is
   * out, so a cookie provider keeps the browser's id.
   */
  private turnAway(clientId: string, req: IncomingMessage, res: ServerResponse, frame: Buffer | undefined): Promise<void> {
    writeStreamHead(req, res, frame);
    res.end();
    this.counters.turnedAway++;
    return this.release(clientId, req, res);
  }

  /** Below the limit, or taking over the slot of a client with the same id. */
  private isFull(clientId: string): boolean {
    const limit = this.options.maxClients;
    if (limit === undefined || this.registry.size < limit || this.registry.get(clientId)) {
      this.fullLogged = false;
      return false;
    }
    if (!this.fullLogged) {
      this.fullLogged = true;
      this.logger.warn(
        `${this.registry.size} clients are connected, which is maxClients (${limit}); new connections are ` +
          'told to retry later. Logged once until one is let in again.',
      );
    }
    return true;
  }

  /** Jittered, so that the clients turned away do not all come back at once. */
  private fullFrame(): Buffer {
    const base = this.options.maxClientsRetry;
    const retry = Math.round(base / 2 + Math.random() * base);
    return Buffer.from(`${serializeComment(`this server is at maxClients; retrying in ${retry} ms`)}${serializeRetry(retry)}`);
  }

  private finish(client: SseClient, reason: SseDisconnectReason): void {
    const leaving = reason === 'client' || reason === 'slow';
    if (!client.close(!leaving)) return;
    // What it has not read cannot be flushed; cutting the connection frees it at once.
    if (reason === 'slow') client.response.destroy();
    const welcomed = !this.holding.delete(client);
    this.registry.remove(client);
    if (this.registry.size === 0) this.keepalive?.stop();
    if (leaving || reason === 'shutdown') void this.release(client.id, client.request, client.response);
    this.counters.disconnects[reason]++;
    this.logger.debug(`Client ${client.id} disconnected (${reason}); ${this.registry.size} here.`);
    if (welcomed) this.disconnected.next({ client, request: client.request, lastEventId: client.lastEventId, reason });
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
      await this.storeCall(() => this.noReconnect.addClientId(client.id, this.options.noReconnectTtl), 'addClientId');
    } catch (cause) {
      this.undoAdd(client.id);
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

  /**
   * A store that queues writes while it cannot reach its server (a cache over keyv) carries an
   * add out once it can, after disconnect() has already rejected. The remove queued behind it
   * undoes it, so that the client is not refused later. Failing is expected here: the store is
   * away, and its outage is already known.
   */
  private undoAdd(clientId: string): void {
    Promise.resolve()
      .then(() => this.noReconnect.removeClientId(clientId))
      .catch(() => undefined);
  }

  private async release(clientId: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.clientIds.releaseClientId(clientId, req, res);
    } catch (error) {
      this.logger.error(`${CLIENT_ID_PROVIDER}.releaseClientId(${clientId}) failed.`, stackOf(error));
    }
  }

  /** Encodes in call order, logs unless a filter picks recipients, then delivers here and elsewhere. */
  private dispatch(event: SseEvent, audience: SseEventAudience, filter: SseClientFilter | undefined): Promise<void> {
    const shared = filter === undefined;
    return this.outbox.run(this.encode(event, shared ? audience : undefined), (encoded) => {
      if (encoded.deliveredByLog) return;
      this.deliverTo(audience, encoded, filter);
      if (shared) this.cluster?.publishEvent(audience, encoded.frame, encoded.id);
    });
  }

  private sendTo(client: SseClient, event: SseEvent): Promise<void> {
    return this.outbox.run(this.encode(event, { kind: 'client', clientId: client.id }), ({ frame, id, deliveredByLog }) => {
      if (!deliveredByLog) client.enqueue(frame, id);
    });
  }

  /**
   * Without an audience (or a log) the event is only encoded. Otherwise it is logged, which
   * gives it an id if it has none. A log that fails is logged once, and the event goes out anyway.
   */
  private encode(event: SseEvent, audience: SseEventAudience | undefined): Encoded | Promise<Encoded> {
    this.counters.events++;
    const message: SseMessageEvent = typeof event === 'string' ? { data: event } : event;
    const log = this.log;
    if (!log || !audience || message.data === undefined) return { frame: encodeEvent(message) };
    const callerId = message.id === undefined ? undefined : String(message.id);
    const body = serializeEvent({ ...message, id: undefined });
    const withId = (id: string, logged: boolean): Encoded => ({
      frame: encodeLogged(id, body),
      id,
      deliveredByLog: logged && this.logDelivers,
    });
    const unlogged = (): Encoded => (callerId === undefined ? { frame: Buffer.from(body) } : withId(callerId, false));
    // A bad caller id is refused (TypeError) before anything is logged.
    if (callerId !== undefined) serializeIdLine(callerId);
    try {
      const what = `${EVENT_LOG}.append()`;
      const id = this.logOutage.track((options) => log.append({ id: callerId, body, audience }, options), this.options.storeTimeout, what);
      return isThenable(id) ? id.then((logged) => withId(logged, true), unlogged) : withId(id, true);
    } catch {
      return unlogged();
    }
  }

  /** What `events` hold for this client: all of them, or those sent to its groups or to it. */
  private replayFor(client: SseClient, events: readonly SseLoggedEvent[]): SseReplay {
    if (events.length === 0) return NO_REPLAY;
    let forEveryone = this.sharedReplays.get(events);
    if (forEveryone === undefined) {
      forEveryone = this.replayForEveryone(events);
      this.sharedReplays.set(events, forEveryone);
    }
    if (forEveryone !== null) return forEveryone;
    const reaching = events.filter(({ audience }) => this.reaches(audience, client));
    return { frames: reaching.map((event) => this.replayFrame(event)), ids: new Set(reaching.map(({ id }) => id)) };
  }

  /**
   * A log that answers the clients of a reconnect storm with the same array (RedisStreamEventLog
   * does) gets one replay built for all of them, when every event in it went to everyone: one
   * buffer and one set of ids, rather than a thousand frames and a set per client.
   */
  private replayForEveryone(events: readonly SseLoggedEvent[]): SseReplay | null {
    if (!events.every(({ audience }) => audience.kind === 'all')) return null;
    return { frames: [Buffer.concat(events.map((event) => this.replayFrame(event)))], ids: new Set(events.map(({ id }) => id)) };
  }

  /** Each logged event is encoded once, however many clients it is replayed to. */
  private replayFrame(event: SseLoggedEvent): Buffer {
    let frame = this.replayFrames.get(event);
    if (frame === undefined) {
      frame = encodeLogged(event.id, event.body);
      this.replayFrames.set(event, frame);
    }
    return frame;
  }

  private reaches(audience: SseEventAudience, client: SseClient): boolean {
    if (audience.kind === 'all') return true;
    if (audience.kind === 'client') return audience.clientId === client.id;
    return this.registry.isMember(audience.group, client);
  }

  private deliverTo(audience: SseEventAudience, { frame, id }: Encoded, filter?: SseClientFilter): void {
    if (audience.kind === 'client') {
      this.registry.get(audience.clientId)?.enqueue(frame, id);
      return;
    }
    const clients = audience.kind === 'all' ? this.registry.values() : this.registry.members(audience.group);
    for (const client of clients) {
      if (filter === undefined || filter(client)) client.enqueue(frame, id);
    }
    if (this.holding.size > 0) this.holdForLater(audience, frame, id, filter);
  }

  /** Clients being resumed keep what they are not meant for yet: their connected handlers have not run. */
  private holdForLater(audience: SseEventAudience, frame: Buffer, id: string | undefined, filter?: SseClientFilter): void {
    const meantFor = (client: SseClient) => this.reaches(audience, client) && (filter === undefined || filter(client));
    for (const client of this.holding) {
      if (!meantFor(client)) client.holdIf(frame, id, () => meantFor(client));
    }
  }

  private deliverFollowed({ id, body, audience }: SseLoggedEvent): void {
    try {
      this.deliverTo(audience, { frame: encodeLogged(id, body), id });
    } catch (error) {
      this.logger.error(`${EVENT_LOG} gave an event that cannot be written (id ${JSON.stringify(id)}).`, stackOf(error));
    }
  }

  private applyRetry(frame: Buffer): void {
    this.retryFrame = frame;
    for (const client of this.registry.values()) client.enqueue(frame);
  }

  private joinCluster(backplane: SseBackplane): ClusterBus {
    return new ClusterBus(
      backplane,
      {
        deliver: (audience, frame, id) => this.deliverTo(audience, { frame, id }),
        retry: (frame) => this.applyRetry(frame),
        answer: (question) => this.answer(question),
      },
      this.options.backplaneTimeout,
    );
  }

  /** This instance's part of another instance's question. */
  private async answer(question: ClusterQuestion): Promise<number> {
    if (question.k === 'count') {
      return this.registry.count(question.g);
    }
    const client = this.registry.get(question.c);
    if (!client) return 0;
    if (question.k === 'has') return 1;
    if (question.k === 'send') return client.enqueue(Buffer.from(question.f), question.i) ? 1 : 0;
    await this.disconnectClient(client);
    return 1;
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

/** One longer than any id this module sends was not sent by it: the client starts afresh. */
function readLastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header !== 'string' || header.trim() === '' || header.length > MAX_EVENT_ID_LENGTH) return undefined;
  return header;
}

function checkClientId(clientId: unknown, from: string): string {
  if (typeof clientId !== 'string' || clientId === '') {
    throw new Error(`${from} gave ${JSON.stringify(clientId)} as a client id; it must be a non-empty string.`);
  }
  return clientId;
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
