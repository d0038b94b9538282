import {
  DEFAULT_BACKPLANE_TIMEOUT,
  DEFAULT_DRAIN_WINDOW,
  DEFAULT_KEEPALIVE_INTERVAL,
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_CLIENTS_RETRY,
  DEFAULT_STORE_TIMEOUT,
} from '../sse.constants.js';
import { commentFrame, eventFrame, retryFrame } from '../wire/frames.js';
import { checkCount, checkDuration } from './option-validation.js';
import type { SseKeepaliveOptions, SseModuleOptions } from './sse-module-options.js';

export interface ResolvedSseOptions {
  retryFrame?: Buffer;
  noReconnectTtl?: number;
  keepalive?: { interval: number; frame: Buffer };
  storeTimeout: number;
  backplaneTimeout: number;
  maxBufferedBytes: number;
  maxClients?: number;
  maxClientsRetry: number;
  shutdownFrame?: Buffer;
  resetFrame?: Buffer;
  drainWindow: number;
  maxConnectionAge?: number;
}

/** Validates the options once, at startup, and turns them into ready-to-write frames. */
export function resolveOptions(options: SseModuleOptions = {}): ResolvedSseOptions {
  return {
    retryFrame:
      options.reconnectInterval === undefined ? undefined : named('reconnectInterval', () => retryFrame(options.reconnectInterval!)),
    noReconnectTtl: options.noReconnectTtl === undefined ? undefined : checkDuration(options.noReconnectTtl, 'SseModule noReconnectTtl'),
    keepalive: options.keepalive === false ? undefined : resolveKeepalive(options.keepalive ?? {}),
    storeTimeout: checkDuration(options.storeTimeout ?? DEFAULT_STORE_TIMEOUT, 'SseModule storeTimeout'),
    backplaneTimeout: checkDuration(options.backplaneTimeout ?? DEFAULT_BACKPLANE_TIMEOUT, 'SseModule backplaneTimeout'),
    maxBufferedBytes: checkCount(options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, 'SseModule maxBufferedBytes'),
    maxClients: options.maxClients === undefined ? undefined : checkCount(options.maxClients, 'SseModule maxClients'),
    maxClientsRetry: checkDuration(options.maxClientsRetry ?? DEFAULT_MAX_CLIENTS_RETRY, 'SseModule maxClientsRetry'),
    shutdownFrame: options.shutdownEvent === undefined ? undefined : named('shutdownEvent', () => eventFrame(options.shutdownEvent!)),
    resetFrame: options.resetEvent === undefined ? undefined : named('resetEvent', () => eventFrame(options.resetEvent!)),
    drainWindow: checkDuration(options.drainWindow ?? DEFAULT_DRAIN_WINDOW, 'SseModule drainWindow', { allowZero: true }),
    maxConnectionAge:
      options.maxConnectionAge === undefined ? undefined : checkDuration(options.maxConnectionAge, 'SseModule maxConnectionAge'),
  };
}

function resolveKeepalive(keepalive: SseKeepaliveOptions): ResolvedSseOptions['keepalive'] {
  const interval = checkDuration(keepalive.interval ?? DEFAULT_KEEPALIVE_INTERVAL, 'SseModule keepalive.interval');
  const kind = keepalive.kind ?? 'comment';
  if (kind === 'comment') {
    return { interval, frame: named('keepalive.content', () => commentFrame(keepalive.content ?? '')) };
  }
  if (kind === 'event') {
    const type = keepalive.content || 'keepalive';
    return { interval, frame: named('keepalive.content', () => eventFrame({ type, data: '' })) };
  }
  throw new Error(`SseModule keepalive.kind must be 'comment' or 'event'; got ${JSON.stringify(kind)}.`);
}

function named<T>(option: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw new Error(`SseModule ${option}: ${(error as Error).message}`, { cause: error });
  }
}
