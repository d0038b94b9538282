import { afterEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CookieClientIdProvider,
  getSseProviderToken,
  getSseServiceToken,
  InjectSseService,
  InMemoryNoReconnectStore,
  NO_RECONNECT_STORE,
  RedisBackplane,
  SseModule,
  SseService,
} from '../../lib/index.js';
import { StreamPool } from '../utils/raw-stream.js';
import { cookieOf } from '../utils/recording-providers.js';
import { REDIS_URL } from '../utils/redis.js';
import { PLATFORM, type SseApp, type SseAppOptions, startSseApp } from '../utils/sse-app.js';
import { delay, waitFor } from '../utils/wait.js';

/** Per platform: the Express and Fastify runs share one Redis, and the admin service's channel comes from its name. */
const ADMIN = `admin-${PLATFORM}`;

/** A public ticker and an admin feed, side by side in one app. */
@Controller()
class FeedsController {
  constructor(
    private readonly ticker: SseService,
    @InjectSseService(ADMIN) private readonly admin: SseService,
  ) {}

  @Get('ticker')
  tickerStream(@Req() req: IncomingMessage, @Res() res: ServerResponse) {
    return this.ticker.connect(req, res);
  }

  @Get('admin/events')
  adminStream(@Req() req: IncomingMessage, @Res() res: ServerResponse) {
    return this.admin.connect(req, res);
  }
}

const cookies = (path: string) => ({ clientIdProvider: new CookieClientIdProvider({ path }), noReconnectStore: InMemoryNoReconnectStore });

function feedsModule(backplane?: () => { ticker: RedisBackplane; admin: RedisBackplane }) {
  const planes = backplane?.();
  @Module({
    imports: [
      SseModule.forRoot({ isGlobal: true, keepalive: false, ...cookies('/ticker'), backplane: planes?.ticker }),
      SseModule.forRoot({ name: ADMIN, keepalive: { interval: 1000 }, ...cookies('/admin'), backplane: planes?.admin }),
    ],
    controllers: [FeedsController],
  })
  class FeedsModule {}
  return FeedsModule;
}

describe('several independent SseServices in one app', () => {
  const apps: SseApp[] = [];
  const streams = new StreamPool();
  afterEach(async () => {
    streams.closeAll();
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  const start = async (module: ReturnType<typeof feedsModule>, override?: SseAppOptions['override']) => {
    const app = await startSseApp({ imports: [module], override });
    apps.push(app);
    return { app, ticker: app.app.get(SseService), admin: app.app.get<SseService>(getSseServiceToken(ADMIN)) };
  };

  it('keeps clients, events, options and metrics apart', async () => {
    const { app, ticker, admin } = await start(feedsModule());
    expect(admin).not.toBe(ticker);
    const [tick, feed] = [(await streams.open(`${app.url}/ticker`))[0]!, (await streams.open(`${app.url}/admin/events`))[0]!];
    await waitFor(() => ticker.getClients().length === 1 && admin.getClients().length === 1);
    await ticker.broadcast('tick');
    await admin.broadcast('alert');
    await tick.until((s) => s.events.length === 1);
    await feed.until((s) => s.events.length === 1);
    await delay(1500);
    expect(tick.events.map((e) => e.data)).toEqual(['tick']);
    expect(feed.events.map((e) => e.data)).toEqual(['alert']);
    // Only the admin service keeps streams alive.
    // Every stream opens with an empty comment; only the admin service's have keepalives after it.
    expect(feed.comments.length).toBeGreaterThan(1);
    expect(tick.comments).toEqual(['']);
    expect(ticker.getMetrics().events).toBe(1);
    expect(admin.getMetrics().events).toBe(1);
  });

  it('refuses a disconnected client only in the service that disconnected it', async () => {
    const { app, ticker, admin } = await start(feedsModule());
    const [feed] = await streams.open(`${app.url}/admin/events`);
    const cookie = cookieOf(feed!.headers['set-cookie'] as string[]);
    await waitFor(() => admin.getClients().length === 1);
    await admin.disconnect(admin.getClients()[0]!.id);
    await feed!.ended;
    const id = cookie.split('=')[1]!;
    await expect(app.app.get(getSseProviderToken(NO_RECONNECT_STORE, ADMIN)).containsClientId(id)).resolves.toBe(true);
    await expect(app.app.get(NO_RECONNECT_STORE).containsClientId(id)).resolves.toBe(false);
    const headers = { accept: 'text/event-stream', cookie };
    const [refused] = await streams.open(`${app.url}/admin/events`, 1, { headers });
    expect(refused!.status).toBe(204);
    const [welcome] = await streams.open(`${app.url}/ticker`, 1, { headers });
    expect(welcome!.status).toBe(200);
    expect(ticker.getClients().map((c) => c.id)).toEqual([id]);
  });

  it('lets a test override one service’s provider on its own token', async () => {
    const fake = new InMemoryNoReconnectStore();
    const { app } = await start(feedsModule(), (builder) =>
      builder.overrideProvider(getSseProviderToken(NO_RECONNECT_STORE, ADMIN)).useValue(fake),
    );
    expect(app.app.get(getSseProviderToken(NO_RECONNECT_STORE, ADMIN))).toBe(fake);
    expect(app.app.get(NO_RECONNECT_STORE)).toBeInstanceOf(InMemoryNoReconnectStore);
    expect(app.app.get(NO_RECONNECT_STORE)).not.toBe(fake);
  });

  it('registers a named service with forRootAsync too, its options from a factory', async () => {
    @Module({
      imports: [
        SseModule.forRoot({ isGlobal: true, keepalive: false }),
        SseModule.forRootAsync({ name: ADMIN, useFactory: async () => ({ reconnectInterval: 1234, keepalive: false as const }) }),
      ],
      controllers: [FeedsController],
    })
    class AsyncFeedsModule {}
    const { app, admin, ticker } = await start(AsyncFeedsModule);
    expect(admin).not.toBe(ticker);
    const [feed] = await streams.open(`${app.url}/admin/events`);
    const [tick] = await streams.open(`${app.url}/ticker`);
    await waitFor(() => admin.getClients().length === 1 && ticker.getClients().length === 1);
    expect(feed!.retries).toEqual([1234]);
    expect(tick!.retries).toEqual([]);
  });

  it('with one Redis, keeps each service’s messages to its own channel across instances', async () => {
    const suffix = randomUUID().slice(0, 8);
    const planes = () => ({
      ticker: new RedisBackplane({ url: REDIS_URL, channel: `sse-test:named:${suffix}` }),
      // No channel given: the admin service gets one of its own, from its name.
      admin: new RedisBackplane({ url: REDIS_URL }),
    });
    const [one, two] = [await start(feedsModule(planes)), await start(feedsModule(planes))];
    const [tickOnTwo] = await streams.open(`${two.app.url}/ticker`);
    const [feedOnTwo] = await streams.open(`${two.app.url}/admin/events`);
    await waitFor(() => two.ticker.getClients().length === 1 && two.admin.getClients().length === 1);
    await one.admin.broadcast('alert from one');
    await one.ticker.broadcast('tick from one');
    await feedOnTwo!.until((s) => s.events.length === 1);
    await tickOnTwo!.until((s) => s.events.length === 1);
    await delay(200);
    expect(feedOnTwo!.events.map((e) => e.data)).toEqual(['alert from one']);
    expect(tickOnTwo!.events.map((e) => e.data)).toEqual(['tick from one']);
    await expect(one.admin.countClients()).resolves.toBe(1);
  });
});
