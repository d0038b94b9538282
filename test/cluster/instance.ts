// One app instance of the cluster tests, run in its own process by cluster-harness.ts. It is
// configured from the environment and prints `LISTENING <port>` once it serves.
import 'reflect-metadata';
import { Controller, Get, HttpCode, Module, Param, Post, Query, Req, Res, ServiceUnavailableException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CacheManagerNoReconnectStore,
  CookieClientIdProvider,
  RedisBackplane,
  RedisStreamEventLog,
  SseModule,
  SseService,
} from '../../lib/index.js';

const redisUrl = required('REDIS_URL');
const namespace = required('SSE_NAMESPACE');

@Controller()
class ClusterController {
  constructor(private readonly sse: SseService) {}

  @Get('events')
  events(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res);
  }

  @Post('broadcast')
  @HttpCode(204)
  broadcast(@Query('data') data: string): Promise<void> {
    return this.sse.broadcast(data);
  }

  @Post('groups/:group/send')
  @HttpCode(204)
  sendToGroup(@Param('group') group: string, @Query('data') data: string): Promise<void> {
    return this.sse.sendToGroup(group, data);
  }

  @Post('groups/:group/members/:id')
  join(@Param('group') group: string, @Param('id') id: string): { joined: boolean } {
    return { joined: this.sse.addToGroup(group, id) };
  }

  @Post('clients/:id/send')
  send(@Param('id') id: string, @Query('data') data: string): Promise<{ delivered: boolean }> {
    return unavailableOnError(this.sse.sendToClient(id, data).then((delivered) => ({ delivered })));
  }

  @Post('clients/:id/disconnect')
  disconnect(@Param('id') id: string): Promise<{ disconnected: boolean }> {
    return unavailableOnError(this.sse.disconnect(id).then((disconnected) => ({ disconnected })));
  }

  /** Cuts the client's connection the way a network drop would, so it reconnects with Last-Event-ID. */
  @Post('clients/:id/drop')
  drop(@Param('id') id: string): { dropped: boolean } {
    const client = this.sse.getClient(id);
    client?.request.socket.destroy();
    return { dropped: client !== undefined };
  }

  @Get('count')
  count(@Query('group') group?: string): Promise<{ count: number }> {
    return unavailableOnError(this.sse.countClients(group).then((count) => ({ count })));
  }
}

@Module({
  imports: [
    SseModule.forRoot({
      clientIdProvider: new CookieClientIdProvider(),
      noReconnectStore: new CacheManagerNoReconnectStore(
        createCache({ stores: [createKeyv(redisUrl, { namespace, throwOnConnectError: false, throwOnErrors: true })] }),
      ),
      eventLog: new RedisStreamEventLog({ url: redisUrl, key: `${namespace}:events` }),
      backplane: new RedisBackplane({ url: redisUrl, channel: namespace }),
      storeTimeout: 500,
      backplaneTimeout: 1000,
      keepalive: false,
      reconnectInterval: 100,
    }),
  ],
  controllers: [ClusterController],
})
class InstanceModule {}

async function unavailableOnError<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw new ServiceUnavailableException((error as Error).message);
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`instance.ts needs ${name} in its environment.`);
  return value;
}

// The platform under test, as in test/utils/sse-app.ts.
const app =
  process.env.SSE_PLATFORM === 'fastify'
    ? await NestFactory.create(InstanceModule, new FastifyAdapter({ forceCloseConnections: true }))
    : await NestFactory.create(InstanceModule, { forceCloseConnections: true });
app.enableShutdownHooks();
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address() as { port: number };
console.log(`LISTENING ${address.port}`);
