import 'reflect-metadata';
import { CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, HttpCode, Inject, Module, Query, Req, Res } from '@nestjs/common';
import { HttpAdapterHost, NestFactory } from '@nestjs/core';
import KeyvRedis from '@keyv/redis';
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  CacheManagerNoReconnectStore,
  CookieClientIdProvider,
  InMemoryNoReconnectStore,
  NO_RECONNECT_STORE,
  type NoReconnectStore,
  type SseClient,
  SseModule,
  type SseModuleForRootOptions,
  SseService,
} from 'nestjs-sse';
import { PORT, readBurst, ready, runBurst, type Stats, statsBody } from './shared.js';

/**
 * This module in a Nest 12 app on Express. By default as the fan-out bench runs it (random ids, no
 * store, no keepalive); SSE_STORE=memory|redis adds cookie ids and a no-reconnect store,
 * SSE_KEEPALIVE=<ms> a keepalive, SSE_MAX_BUFFERED=<bytes> sets maxBufferedBytes, and
 * SSE_GROUPS=1 puts each client in two groups and sends it a welcome event when it connects.
 */
const joinGroups = process.env.SSE_GROUPS === '1';

/** `/module-stats`: what a leak would leave behind, and why streams ended. */
export interface ModuleStats extends Stats {
  heapUsed: number;
  clients: number;
  groups: number;
  /** Ids the in-memory no-reconnect store holds; absent with another store. */
  storeSize?: number;
  /** Open HTTP connections, not counting the one asking. */
  connections: number;
  serverListeners: Record<string, number>;
  processListeners: Record<string, number>;
  /** `process.getActiveResourcesInfo()` by kind. */
  resources: Record<string, number>;
  connectedEvents: number;
  disconnectReasons: Record<string, number>;
  /** Events the last `/paced` run has broadcast so far. */
  pacedSent: number;
}

@Controller()
class StreamController {
  private connectedEvents = 0;
  private readonly disconnectReasons: Record<string, number> = {};
  private pacedSent = 0;

  constructor(
    private readonly sse: SseService,
    @Inject(NO_RECONNECT_STORE) private readonly store: NoReconnectStore,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    sse.clientConnected$.subscribe(({ client }) => {
      this.connectedEvents++;
      if (joinGroups) this.welcome(client);
    });
    sse.clientDisconnected$.subscribe(({ reason }) => {
      this.disconnectReasons[reason] = (this.disconnectReasons[reason] ?? 0) + 1;
    });
  }

  /** Groups that a leak could leave non-empty; the event tells the load the client is in. */
  private welcome(client: SseClient): void {
    this.sse.addToGroup('everyone', client);
    this.sse.addToGroup(`shard-${this.connectedEvents % 8}`, client);
    void client.send({ type: 'welcome', data: client.id });
  }

  @Get('sse')
  stream(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res);
  }

  @Get('burst')
  @HttpCode(202)
  burst(@Req() req: IncomingMessage): void {
    const burst = readBurst(req.url);
    runBurst(burst, () => void this.sse.broadcast(burst.payload));
  }

  /** `?gc=0` skips the GC, for CPU windows. */
  @Get('stats')
  stats(@Query('gc') gc?: string): string {
    return statsBody(gc !== '0');
  }

  /** `?gc=0` skips the GC, for samples taken under load. */
  @Get('module-stats')
  async moduleStats(@Query('gc') gc?: string): Promise<ModuleStats> {
    const stats = JSON.parse(statsBody(gc !== '0')) as Stats;
    const server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    return {
      ...stats,
      heapUsed: process.memoryUsage().heapUsed,
      clients: this.sse.getClients().length,
      groups: this.sse.getGroups().length,
      storeSize: this.store instanceof InMemoryNoReconnectStore ? this.store.size : undefined,
      connections: (await connectionCount(server)) - 1,
      serverListeners: listenerCounts(server),
      processListeners: listenerCounts(process),
      resources: countByKind(process.getActiveResourcesInfo()),
      connectedEvents: this.connectedEvents,
      disconnectReasons: { ...this.disconnectReasons },
      pacedSent: this.pacedSent,
    };
  }

  /**
   * `/paced?m=<events>&b=<bytes>&every=<ms>`: broadcasts events 0..m-1, one every `every` ms,
   * each with its number as id and as the start of its data, so readers can check the order.
   */
  @Get('paced')
  @HttpCode(202)
  paced(@Query('m') events: string, @Query('b') bytes: string, @Query('every') every: string): void {
    const padding = 'x'.repeat(Number(bytes));
    this.pacedSent = 0;
    const timer = setInterval(() => {
      const id = this.pacedSent;
      void this.sse.broadcast({ id, data: `${id}:${padding}` });
      if (++this.pacedSent === Number(events)) clearInterval(timer);
    }, Number(every));
  }

  /** An empty Nest route: the baseline a refused reconnect is compared with. */
  @Get('ping')
  ping(): string {
    return '';
  }

  /** Disconnects one client; answers with how long `disconnect()` took on the server, in ms. */
  @Get('disconnect')
  async disconnect(@Query('id') id: string): Promise<{ found: boolean; ms: number }> {
    const start = performance.now();
    const found = await this.sse.disconnect(id);
    return { found, ms: performance.now() - start };
  }

  /** Disconnects every client at once; answers with how many and how long it took, in ms. */
  @Get('disconnect-all')
  async disconnectAll(): Promise<{ clients: number; ms: number }> {
    const start = performance.now();
    const clients = this.sse.getClients();
    await Promise.all(clients.map((client) => client.disconnect()));
    return { clients: clients.length, ms: performance.now() - start };
  }
}

function connectionCount(server: Server): Promise<number> {
  return new Promise((resolve, reject) => server.getConnections((error, count) => (error ? reject(error) : resolve(count))));
}

function listenerCounts(emitter: EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((name) => [String(name), emitter.listenerCount(name)]));
}

function countByKind(kinds: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of kinds) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function sseOptions(): SseModuleForRootOptions {
  const keepalive = process.env.SSE_KEEPALIVE ? { interval: Number(process.env.SSE_KEEPALIVE) } : false;
  const maxBufferedBytes = process.env.SSE_MAX_BUFFERED ? Number(process.env.SSE_MAX_BUFFERED) : undefined;
  switch (process.env.SSE_STORE) {
    case 'memory':
      return { keepalive, maxBufferedBytes, clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore };
    case 'redis':
      return { keepalive, maxBufferedBytes, clientIdProvider: CookieClientIdProvider, noReconnectStore: CacheManagerNoReconnectStore };
    default:
      return { keepalive, maxBufferedBytes };
  }
}

const redisCache = () =>
  CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')] });

@Module({
  imports: [...(process.env.SSE_STORE === 'redis' ? [redisCache()] : []), SseModule.forRoot(sseOptions())],
  controllers: [StreamController],
})
class BenchModule {}

const app = await NestFactory.create(BenchModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
ready(Number(new URL(await app.getUrl()).port));
