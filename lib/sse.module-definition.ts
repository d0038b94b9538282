import { ConfigurableModuleBuilder, type DynamicModule, type Provider } from '@nestjs/common';
import { RandomClientIdProvider } from './client-id/random-client-id.provider.js';
import { NoopNoReconnectStore } from './no-reconnect/noop-no-reconnect.store.js';
import { SseHealthIndicator } from './observability/sse-health-indicator.js';
import type { SseModuleExtras, SseModuleOptions } from './options/sse-module-options.js';
import { BACKPLANE, CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE, SSE_MODULE_OPTIONS, SSE_SERVICE_NAME } from './sse.constants.js';
import { toProvider } from './sse.providers.js';
import { SseService } from './sse.service.js';
import { checkServiceName, getSseProviderToken, getSseServiceToken } from './sse.tokens.js';

export const { ConfigurableModuleClass: SseConfigurableModule } = new ConfigurableModuleBuilder<SseModuleOptions>({
  moduleName: 'Sse',
  optionsInjectionToken: SSE_MODULE_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createSseOptions')
  .setExtras<SseModuleExtras>({ isGlobal: false }, (definition, extras) => withService(definition, extras))
  .build();

const PORT_TOKENS = [CLIENT_ID_PROVIDER, NO_RECONNECT_STORE, EVENT_LOG, BACKPLANE] as const;

/**
 * The service and its ports. Unnamed, on the SseService class and the plain tokens, as always.
 * Named, each on a token of its own, so that several services live side by side in one app, each
 * overridable in tests, and none is injected where SseService is asked for.
 */
function withService(definition: DynamicModule, extras: SseModuleExtras): DynamicModule {
  const name = extras.name === undefined ? undefined : checkServiceName(extras.name);
  const token = (port: string) => getSseProviderToken(port, name);
  const ports: Provider[] = [
    toProvider(token(CLIENT_ID_PROVIDER), extras.clientIdProvider ?? RandomClientIdProvider, 'clientIdProvider'),
    toProvider(token(NO_RECONNECT_STORE), extras.noReconnectStore ?? NoopNoReconnectStore, 'noReconnectStore'),
    toProvider(token(EVENT_LOG), extras.eventLog ?? { useValue: null }, 'eventLog'),
    toProvider(token(BACKPLANE), extras.backplane ?? { useValue: null }, 'backplane'),
  ];
  const service: Provider[] =
    name === undefined
      ? [SseService, SseHealthIndicator]
      : [
          { provide: SSE_SERVICE_NAME, useValue: name },
          {
            provide: getSseServiceToken(name),
            useFactory: (...args: ConstructorParameters<typeof SseService>) => new SseService(...args),
            inject: [SSE_MODULE_OPTIONS, ...PORT_TOKENS.map(token), SSE_SERVICE_NAME],
          },
        ];
  const exported = name === undefined ? [SseService, SseHealthIndicator] : [getSseServiceToken(name)];
  return {
    ...definition,
    global: extras.isGlobal,
    providers: [...(definition.providers ?? []), ...ports, ...service],
    exports: [...(definition.exports ?? []), ...exported, ...PORT_TOKENS.map(token)],
  };
}
