import { type DynamicModule, Module } from '@nestjs/common';
import { BACKPLANE, CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE } from './sse.constants.js';
import { SseConfigurableModule } from './sse.module-definition.js';
import type { SseModuleAsyncOptions, SseModuleForRootOptions } from './options/sse-module-options.js';
import { SseService } from './sse.service.js';
import { SseHealthIndicator } from './observability/sse-health-indicator.js';

@Module({
  providers: [SseService, SseHealthIndicator],
  exports: [SseService, SseHealthIndicator, CLIENT_ID_PROVIDER, NO_RECONNECT_STORE, EVENT_LOG, BACKPLANE],
})
export class SseModule extends SseConfigurableModule {
  static override forRoot(options: SseModuleForRootOptions = {}): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: super keeps `this` the subclass, so the dynamic module is SseModule's.
    return super.forRoot(options);
  }

  static override forRootAsync(options: SseModuleAsyncOptions): DynamicModule {
    // biome-ignore lint/complexity/noThisInStatic: as in forRoot.
    return super.forRootAsync(options);
  }
}
