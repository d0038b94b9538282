import type { Provider, Type } from '@nestjs/common';
import type { SseProviderDefinition } from './options/sse-module-options.js';

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

/** Fails at startup, naming the token, when a provider lacks a method the module calls. */
export function assertImplements(value: unknown, token: string, methods: string[]): void {
  const missing = methods.filter((name) => typeof (value as Record<string, unknown> | null)?.[name] !== 'function');
  if (missing.length > 0) {
    throw new Error(`The ${token} provider lacks ${missing.join(', ')}(); give it an object that implements them.`);
  }
}
