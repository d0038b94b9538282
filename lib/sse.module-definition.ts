import { ConfigurableModuleBuilder } from '@nestjs/common';
import { RandomClientIdProvider } from './client-id/random-client-id.provider.js';
import { NoopNoReconnectStore } from './no-reconnect/noop-no-reconnect.store.js';
import { toProvider } from './sse.providers.js';
import { BACKPLANE, CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE } from './sse.constants.js';
import type { SseModuleExtras, SseModuleOptions } from './options/sse-module-options.js';

export const { ConfigurableModuleClass: SseConfigurableModule, MODULE_OPTIONS_TOKEN: SSE_MODULE_OPTIONS } =
  new ConfigurableModuleBuilder<SseModuleOptions>({ moduleName: 'Sse' })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createSseOptions')
    .setExtras<SseModuleExtras>({ isGlobal: false }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [
        ...(definition.providers ?? []),
        toProvider(CLIENT_ID_PROVIDER, extras.clientIdProvider ?? RandomClientIdProvider, 'clientIdProvider'),
        toProvider(NO_RECONNECT_STORE, extras.noReconnectStore ?? NoopNoReconnectStore, 'noReconnectStore'),
        toProvider(EVENT_LOG, extras.eventLog ?? { useValue: null }, 'eventLog'),
        toProvider(BACKPLANE, extras.backplane ?? { useValue: null }, 'backplane'),
      ],
    }))
    .build();
