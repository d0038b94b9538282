import { afterEach, describe, expect, it } from '@jest/globals';
import { CacheModule } from '@nestjs/cache-manager';
import { Controller, Get, Injectable, Module, Req, Res } from '@nestjs/common';
import { ConfigModule, ConfigService, registerAs } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CacheManagerNoReconnectStore,
  CLIENT_ID_PROVIDER,
  type ClientIdProvider,
  CookieClientIdProvider,
  InMemoryNoReconnectStore,
  NO_RECONNECT_STORE,
  NoopNoReconnectStore,
  type NoReconnectStore,
  RandomClientIdProvider,
  SseModule,
  type SseModuleOptions,
  type SseOptionsFactory,
  SseService,
} from '../../lib/index.js';
import { openRawStream } from '../utils/raw-stream.js';
import { cookieOf } from '../utils/recording-providers.js';
import { createApp, type SseApp, startSseApp } from '../utils/sse-app.js';

@Injectable()
class FixedIdProvider implements ClientIdProvider {
  acquireClientId(): string {
    return 'fixed-id';
  }
  releaseClientId(): void {}
}

@Injectable()
class SseSettings {
  readonly reconnectInterval = 1234;
}

@Module({ providers: [SseSettings, FixedIdProvider], exports: [SseSettings, FixedIdProvider] })
class SettingsModule {}

@Injectable()
class SseOptionsFromSettings implements SseOptionsFactory {
  createSseOptions(): SseModuleOptions {
    return { reconnectInterval: 4321 };
  }
}

async function resolveTokens(imports: unknown[]): Promise<{ ids: unknown; store: unknown; close(): Promise<void> }> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  return { ids: moduleRef.get(CLIENT_ID_PROVIDER), store: moduleRef.get(NO_RECONNECT_STORE), close: () => moduleRef.close() };
}

describe('module configuration', () => {
  let sseApp: SseApp | undefined;
  afterEach(async () => {
    await sseApp?.close();
    sseApp = undefined;
  });

  it('defaults to RandomClientIdProvider and NoopNoReconnectStore', async () => {
    const { ids, store, close } = await resolveTokens([SseModule.forRoot()]);
    expect(ids).toBeInstanceOf(RandomClientIdProvider);
    expect(store).toBeInstanceOf(NoopNoReconnectStore);
    await close();
  });

  const memory = new InMemoryNoReconnectStore();
  it.each<[string, Parameters<typeof SseModule.forRoot>[0], (store: unknown) => void]>([
    ['a class', { noReconnectStore: InMemoryNoReconnectStore }, (s) => expect(s).toBeInstanceOf(InMemoryNoReconnectStore)],
    ['an instance', { noReconnectStore: memory }, (s) => expect(s).toBe(memory)],
    [
      '{ useClass }',
      { noReconnectStore: { useClass: InMemoryNoReconnectStore } },
      (s) => expect(s).toBeInstanceOf(InMemoryNoReconnectStore),
    ],
    ['{ useValue }', { noReconnectStore: { useValue: memory } }, (s) => expect(s).toBe(memory)],
    [
      '{ useFactory, inject }',
      {
        noReconnectStore: {
          useFactory: (ttl: number) => new InMemoryNoReconnectStore({ ttl }),
          inject: [{ token: 'TTL', optional: true }],
        },
      },
      (s) => expect(s).toBeInstanceOf(InMemoryNoReconnectStore),
    ],
  ])('takes the store as %s', async (_name, options, check) => {
    const { store, close } = await resolveTokens([SseModule.forRoot(options)]);
    check(store);
    await close();
  });

  it('takes a provider as { useExisting }', async () => {
    const { ids, close } = await resolveTokens([
      SseModule.forRootAsync({ imports: [SettingsModule], useFactory: () => ({}), clientIdProvider: { useExisting: FixedIdProvider } }),
    ]);
    expect(ids).toBeInstanceOf(FixedIdProvider);
    await close();
  });

  it('swaps both tokens with overrideProvider in tests', async () => {
    const store = new InMemoryNoReconnectStore();
    sseApp = await startSseApp({
      override: (builder) =>
        builder.overrideProvider(CLIENT_ID_PROVIDER).useClass(FixedIdProvider).overrideProvider(NO_RECONNECT_STORE).useValue(store),
    });
    const first = await openRawStream(`${sseApp.url}/events`);
    expect(sseApp.sse.getClients().map((c) => c.id)).toEqual(['fixed-id']);
    await expect(sseApp.sse.disconnect('fixed-id')).resolves.toBe(true);
    await first.ended;
    await expect(store.containsClientId('fixed-id')).resolves.toBe(true);
    const refused = await openRawStream(`${sseApp.url}/events`);
    expect(refused.status).toBe(204);
  });

  it('builds options in forRootAsync from an injected dependency', async () => {
    sseApp = await startSseApp({
      imports: [
        SseModule.forRootAsync({
          imports: [SettingsModule],
          inject: [SseSettings],
          useFactory: (settings: SseSettings) => ({ reconnectInterval: settings.reconnectInterval }),
          clientIdProvider: CookieClientIdProvider,
          noReconnectStore: InMemoryNoReconnectStore,
        }),
      ],
    });
    const stream = await openRawStream(`${sseApp.url}/events`);
    await stream.until((s) => s.retries.length === 1);
    expect(stream.retries).toEqual([1234]);
    expect(stream.headers['set-cookie']).toBeDefined();
    stream.close();
  });

  describe('with @nestjs/config', () => {
    const sseConfig = registerAs('sse', () => ({
      // Environment variables are strings; the module wants numbers and says so at startup.
      reconnectInterval: Number(process.env.SSE_RETRY_MS ?? 3000),
      maxClients: Number(process.env.SSE_MAX_CLIENTS ?? 10_000),
    }));
    afterEach(() => {
      delete process.env.SSE_RETRY_MS;
    });

    it('takes its options from ConfigService', async () => {
      process.env.SSE_RETRY_MS = '2500';
      sseApp = await startSseApp({
        imports: [
          SseModule.forRootAsync({
            imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [sseConfig] })],
            inject: [ConfigService],
            useFactory: (config: ConfigService) => config.getOrThrow<SseModuleOptions>('sse'),
          }),
        ],
      });
      const stream = await openRawStream(`${sseApp.url}/events`);
      await stream.until((s) => s.retries.length === 1);
      expect(stream.retries).toEqual([2500]);
      stream.close();
    });

    it('names the option when a raw environment string reaches it', async () => {
      process.env.SSE_RETRY_MS = '2500';
      await expect(
        startSseApp({
          imports: [
            SseModule.forRootAsync({
              imports: [ConfigModule.forRoot({ ignoreEnvFile: true })],
              inject: [ConfigService],
              useFactory: (config: ConfigService) => ({ reconnectInterval: config.get('SSE_RETRY_MS') }),
            }),
          ],
        }),
      ).rejects.toThrow(/SseModule reconnectInterval: SSE retry must be a whole number of milliseconds >= 0; got "2500"/);
    });
  });

  it('builds options in forRootAsync with useClass', async () => {
    sseApp = await startSseApp({ imports: [SseModule.forRootAsync({ useClass: SseOptionsFromSettings })] });
    const stream = await openRawStream(`${sseApp.url}/events`);
    await stream.until((s) => s.retries.length === 1);
    expect(stream.retries).toEqual([4321]);
    stream.close();
  });

  it('makes SseService injectable everywhere with isGlobal', async () => {
    @Controller()
    class FeatureController {
      constructor(private readonly sse: SseService) {}
      @Get('feature-events')
      events(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
        return this.sse.connect(req, res);
      }
    }
    @Module({ controllers: [FeatureController] })
    class FeatureModule {}

    const moduleRef = await Test.createTestingModule({ imports: [SseModule.forRoot({ isGlobal: true }), FeatureModule] }).compile();
    const app = createApp(moduleRef);
    await app.listen(0, '127.0.0.1');
    const stream = await openRawStream(`${(await app.getUrl()).replace('[::1]', '127.0.0.1')}/feature-events`);
    expect(stream.status).toBe(200);
    expect(app.get(SseService).getClients()).toHaveLength(1);
    stream.close();
    await app.close();
  });

  it('uses CacheManagerNoReconnectStore by class name with a global CacheModule', async () => {
    sseApp = await startSseApp({
      imports: [
        CacheModule.register({ isGlobal: true }),
        SseModule.forRoot({ clientIdProvider: CookieClientIdProvider, noReconnectStore: CacheManagerNoReconnectStore }),
      ],
    });
    expect(sseApp.app.get(NO_RECONNECT_STORE)).toBeInstanceOf(CacheManagerNoReconnectStore);
    const first = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    await sseApp.sse.disconnect(cookie.split('=')[1]!);
    await first.ended;
    const refused = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    expect(refused.status).toBe(204);
  });

  it.each<[string, () => unknown[], RegExp]>([
    [
      'CacheManagerNoReconnectStore without a CacheModule',
      () => [SseModule.forRoot({ noReconnectStore: CacheManagerNoReconnectStore })],
      /needs a cache-manager Cache[\s\S]*isGlobal: true/,
    ],
    [
      'a store lacking methods',
      () => [SseModule.forRoot({ noReconnectStore: { useValue: { addClientId: async () => {} } as unknown as NoReconnectStore } })],
      /NO_RECONNECT_STORE provider lacks containsClientId, removeClientId/,
    ],
    [
      'keepalive.interval 0',
      () => [SseModule.forRoot({ keepalive: { interval: 0 } })],
      /keepalive.interval must be a whole number of milliseconds > 0/,
    ],
    [
      'a keepalive event type with a newline',
      () => [SseModule.forRoot({ keepalive: { kind: 'event', content: 'a\nb' } })],
      /keepalive.content: .*CR or LF/,
    ],
    [
      'an unknown keepalive kind',
      () => [SseModule.forRoot({ keepalive: { kind: 'beep' as 'event' } })],
      /keepalive.kind must be 'comment' or 'event'/,
    ],
    ['a negative reconnectInterval', () => [SseModule.forRoot({ reconnectInterval: -1 })], /reconnectInterval/],
    ['noReconnectTtl 0', () => [SseModule.forRoot({ noReconnectTtl: 0 })], /noReconnectTtl must be a whole number of milliseconds > 0/],
    [
      'a backplane lacking publish',
      () => [SseModule.forRoot({ backplane: { subscribe: async () => undefined } as never })],
      /BACKPLANE provider lacks publish\(\)/,
    ],
    [
      'an event log lacking since',
      () => [SseModule.forRoot({ eventLog: { append: () => '1' } as never })],
      /EVENT_LOG provider lacks since\(\)/,
    ],
    ['storeTimeout 0', () => [SseModule.forRoot({ storeTimeout: 0 })], /storeTimeout must be a whole number of milliseconds > 0; got 0/],
    [
      'a fractional backplaneTimeout',
      () => [SseModule.forRoot({ backplaneTimeout: 1.5 })],
      /backplaneTimeout must be a whole number of milliseconds > 0; got 1.5/,
    ],
    [
      'a provider that is neither class nor object',
      () => [SseModule.forRoot({ clientIdProvider: 'cookie' as never })],
      /clientIdProvider must be a class, an instance, or a provider/,
    ],
  ])('fails at startup with a clear message for %s', async (_name, imports, message) => {
    await expect((async () => resolveTokens(imports()))()).rejects.toThrow(message);
  });
});
