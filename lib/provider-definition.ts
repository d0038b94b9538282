import type { Provider, Type } from '@nestjs/common';
import type { SseProviderDefinition } from './sse-module-options.js';

const PROVIDER_KEYS = ['useClass', 'useValue', 'useFactory', 'useExisting'];

/** Turns a clientIdProvider / noReconnectStore option into a provider for `token`. */
export function toProvider<T>(token: string, definition: SseProviderDefinition<T>, option: string): Provider {
  if (typeof definition === 'function') return { provide: token, useClass: definition as Type<T> };
  if (typeof definition !== 'object' || definition === null) {
    throw new TypeError(
      `SseModule option ${option} must be a class, an instance, or a provider without "provide" ` +
        `({ useClass }, { useValue }, { useFactory, inject } or { useExisting }); got ${String(definition)}.`,
    );
  }
  const isProvider = PROVIDER_KEYS.some((key) => key in definition);
  return isProvider ? ({ ...definition, provide: token } as Provider) : { provide: token, useValue: definition };
}
