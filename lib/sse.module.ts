import { type DynamicModule, Module } from '@nestjs/common';
import { SseConfigurableModule } from './sse.module-definition.js';
import type { SseModuleAsyncOptions, SseModuleForRootOptions } from './options/sse-module-options.js';

/** Its providers and exports depend on the service's name, so forRoot and forRootAsync give them (see sse.module-definition.ts). */
@Module({})
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
