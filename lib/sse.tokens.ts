import { Inject } from '@nestjs/common';
import { SseService } from './sse.service.js';

const NAME = /^[\w-]{1,64}$/;

/** A service name, checked where it is given: it becomes part of tokens, channels and keys. */
export function checkServiceName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`An SseService name is 1 to 64 letters, digits, _ or -; got ${JSON.stringify(name)}.`);
  }
  return name;
}

/**
 * The token of the SseService that `SseModule.forRoot({ name })` registers, for `app.get()` and
 * `Test.overrideProvider()`; without a name, the SseService class, as injected by type.
 */
export function getSseServiceToken(name?: string): string | typeof SseService {
  return name === undefined ? SseService : `nestjs-sse:SseService:${checkServiceName(name)}`;
}

/**
 * The token a named service's CLIENT_ID_PROVIDER, NO_RECONNECT_STORE, EVENT_LOG or BACKPLANE is
 * registered on, e.g. `getSseProviderToken(NO_RECONNECT_STORE, 'admin')` to override it in a test;
 * without a name, `token` itself.
 */
export function getSseProviderToken(token: string, name?: string): string {
  return name === undefined ? token : `${token}:${checkServiceName(name)}`;
}

/** Injects the SseService named `name` (see SseModule.forRoot), or the unnamed one. */
export const InjectSseService = (name?: string): ParameterDecorator & PropertyDecorator => Inject(getSseServiceToken(name));
