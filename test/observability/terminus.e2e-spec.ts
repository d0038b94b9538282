import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createKeyv } from '@keyv/redis';
import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { createCache } from 'cache-manager';
import { randomUUID } from 'node:crypto';
import {
  CacheManagerNoReconnectStore,
  CookieClientIdProvider,
  RedisBackplane,
  RedisStreamEventLog,
  SseHealthIndicator,
  SseModule,
} from '../../lib/index.js';
import { PrivateRedis } from '../utils/private-redis.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly sseHealth: SseHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.sseHealth.isHealthy('sse')]);
  }
}

// A readiness probe as Kubernetes would call it, through @nestjs/terminus, with every
// dependency on a Redis of the test's own that it freezes and kills.
describe('SseHealthIndicator under @nestjs/terminus', () => {
  let redis: PrivateRedis;
  let sseApp: SseApp | undefined;
  let cache: ReturnType<typeof createCache> | undefined;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
  });
  afterEach(async () => {
    redis.resume();
    await sseApp?.close();
    // The app's cache is the app's own to close, not the module's.
    await cache?.disconnect();
  });
  afterAll(() => redis.stop());

  async function start(): Promise<SseApp> {
    const url = redis.url;
    cache = createCache({ stores: [createKeyv(url)] });
    sseApp = await startSseApp({
      imports: [
        TerminusModule.forRoot({ logger: false }),
        SseModule.forRoot({
          storeTimeout: 300,
          clientIdProvider: CookieClientIdProvider,
          noReconnectStore: new CacheManagerNoReconnectStore(cache),
          eventLog: new RedisStreamEventLog({ url, key: `sse-test:health:${randomUUID()}` }),
          backplane: new RedisBackplane({ url, channel: `sse-test:health:${randomUUID()}` }),
        }),
      ],
      controllers: [HealthController],
    });
    return sseApp;
  }

  const ready = async (app: SseApp) => {
    const response = await fetch(`${app.url}/health/ready`);
    return { status: response.status, body: (await response.json()) as { status: string; details: Record<string, unknown> } };
  };

  it('is ready with the store, the log and the backplane up', async () => {
    const { status, body } = await ready(await start());
    expect(status).toBe(200);
    expect(body.details.sse).toEqual({
      status: 'up',
      store: { status: 'up' },
      eventLog: { status: 'up' },
      backplane: { status: 'up' },
    });
  });

  it('is not ready (503) while Redis hangs, each dependency down within storeTimeout, and ready again after', async () => {
    const app = await start();
    redis.pause();
    const down = await ready(app);
    expect(down.status).toBe(503);
    expect(down.body.details.sse).toEqual({
      status: 'down',
      store: { status: 'down', error: expect.stringContaining('300 ms') },
      eventLog: { status: 'down', error: expect.stringContaining('300 ms') },
      backplane: { status: 'down', error: expect.stringContaining('300 ms') },
    });
    redis.resume();
    expect((await ready(app)).status).toBe(200);
  });
});
