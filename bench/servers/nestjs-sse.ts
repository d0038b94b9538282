import 'reflect-metadata';
import { CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, HttpCode, Module, Query, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import KeyvRedis from '@keyv/redis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  CacheManagerNoReconnectStore,
  CookieClientIdProvider,
  InMemoryNoReconnectStore,
  SseModule,
  type SseModuleForRootOptions,
  SseService,
} from 'nestjs-sse';
import { PORT, readBurst, ready, runBurst, statsBody } from './shared.js';

/**
 * This module in a Nest 12 app on Express. By default as the fan-out bench runs it (random ids, no
 * store, no keepalive); SSE_STORE=memory|redis adds cookie ids and a no-reconnect store, and
 * SSE_KEEPALIVE=<ms> a keepalive.
 */
@Controller()
class StreamController {
  constructor(private readonly sse: SseService) {}

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

function sseOptions(): SseModuleForRootOptions {
  const keepalive = process.env.SSE_KEEPALIVE ? { interval: Number(process.env.SSE_KEEPALIVE) } : false;
  switch (process.env.SSE_STORE) {
    case 'memory':
      return { keepalive, clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore };
    case 'redis':
      return { keepalive, clientIdProvider: CookieClientIdProvider, noReconnectStore: CacheManagerNoReconnectStore };
    default:
      return { keepalive };
  }
}

const redisCache = () => CacheModule.register({ isGlobal: true, stores: [new KeyvRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379')] });

@Module({
  imports: [...(process.env.SSE_STORE === 'redis' ? [redisCache()] : []), SseModule.forRoot(sseOptions())],
  controllers: [StreamController],
})
class BenchModule {}

const app = await NestFactory.create(BenchModule, { logger: false });
await app.listen(PORT, '127.0.0.1');
ready(Number(new URL(await app.getUrl()).port));
