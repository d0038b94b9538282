import type { ClassProvider, ConfigurableModuleAsyncOptions, ExistingProvider, FactoryProvider, Type, ValueProvider } from '@nestjs/common';
import type { SseBackplane } from '../backplane/backplane.interface.js';
import type { ClientIdProvider } from '../client-id/client-id-provider.interface.js';
import type { SseEventLog } from '../event-log/event-log.interface.js';
import type { NoReconnectStore } from '../no-reconnect/no-reconnect-store.interface.js';
import type { SseEvent } from '../wire/sse-event.js';

export interface SseKeepaliveOptions {
  /** Period in ms. A client that received nothing during one period gets a keepalive. Default 15 000. */
  interval?: number;
  /** `'comment'` (default) is invisible to page code; `'event'` dispatches an event it can watch. */
  kind?: 'comment' | 'event';
  /** Comment text (default empty), or the event type for kind `'event'` (default `keepalive`). */
  content?: string;
}

/** Settings that may come from a factory in `forRootAsync`. */
export interface SseModuleOptions {
  /** When set, `retry: <ms>` is the first thing written on every new stream. */
  reconnectInterval?: number;
  /** On by default so that proxies do not cut idle streams; `false` turns it off. */
  keepalive?: false | SseKeepaliveOptions;
  /**
   * How long (ms) a disconnected client's id is refused. Default: the store's own TTL, which is
   * 5 minutes for the built-in stores. Keep it well above the longest reconnect delay.
   */
  noReconnectTtl?: number;
  /**
   * How long (ms) a NO_RECONNECT_STORE or EVENT_LOG call may take before it counts as failed.
   * Default 1000. See "Outages" in the README for what a failure does.
   */
  storeTimeout?: number;
  /**
   * Bytes written to a client that the operating system has not taken yet, beyond which the
   * client is dropped (reason `slow`) instead of buffered for without bound; the kernel's socket
   * buffers (a few MB on loopback) come on top. Its EventSource reconnects and, with an event
   * log, resumes. Default 1 MiB.
   */
  maxBufferedBytes?: number;
  /** How long (ms) `disconnect`, `sendToClient` and `countClients` wait for the other instances. Default 2000. */
  backplaneTimeout?: number;
  /**
   * Most clients this instance serves at once. Past it, a new connection gets a stream that ends
   * at once and tells EventSource to retry after about `maxClientsRetry` ms (behind a load
   * balancer, likely on another instance). Default: no limit.
   */
  maxClients?: number;
  /** Reconnect delay (ms) given to connections turned away by `maxClients`, jittered by ±50%. Default 10 000. */
  maxClientsRetry?: number;
  /**
   * Written to every stream just before `app.close()` ends it, e.g. `{ type: 'shutdown', data: 'restarting' }`,
   * so that pages can tell a restart from a lost connection. Default: none.
   */
  shutdownEvent?: SseEvent;
  /**
   * Over how long (ms) the clients reconnect after `app.close()`: each stream is told to retry after a
   * delay drawn uniformly from this window, then ended at once, so that a deploy's reconnects are
   * spread rather than all at the same moment. Default 5000; 0 leaves the browsers' own retry delay.
   */
  drainWindow?: number;
  /**
   * Ends a stream this many ms after it opened (jittered by ±10% per stream) with a short retry and
   * reason `'expired'`, without blocking its id: the browser reconnects through the guards again and
   * resumes from the event log. Rebalances clients after a scale-up and bounds how long a revoked
   * login keeps its stream. Default: no limit.
   */
  maxConnectionAge?: number;
  /**
   * Written first to a client that comes back with a Last-Event-ID it cannot be resumed from (the
   * event log no longer holds it, there is no log, or the log is down), e.g. `{ type: 'sse:reset', data: '' }`,
   * so that the page refetches its state. A client that comes without Last-Event-ID does not get it. Default: none.
   */
  resetEvent?: SseEvent;
}

/**
 * A class (registered with useClass), an instance, or a provider without `provide`:
 * `{ useClass }`, `{ useValue }`, `{ useFactory, inject }` or `{ useExisting }`.
 */
export type SseProviderDefinition<T> =
  | Type<T>
  | T
  | Omit<ClassProvider<T>, 'provide'>
  | Omit<ValueProvider<T>, 'provide'>
  | Omit<FactoryProvider<T>, 'provide'>
  | Omit<ExistingProvider<T>, 'provide'>;

/** Settings that shape the module itself, so they are given directly in forRoot and forRootAsync. */
export interface SseModuleExtras {
  /** Register SseModule globally. Default false. */
  isGlobal?: boolean;
  /**
   * A service of its own, next to the unnamed one and other named ones: its own clients, options,
   * providers, metrics and keepalive. Inject it with `@InjectSseService(name)`; its token is
   * `getSseServiceToken(name)`. With the Redis backplane and log, it uses a channel and key of its own.
   */
  name?: string;
  /** Default RandomClientIdProvider. */
  clientIdProvider?: SseProviderDefinition<ClientIdProvider>;
  /** Default NoopNoReconnectStore. */
  noReconnectStore?: SseProviderDefinition<NoReconnectStore>;
  /**
   * Keeps recent events for clients that reconnect with Last-Event-ID, e.g. `new InMemoryEventLog()`.
   * With a log, events sent without an id get one. Default: none, so nothing is replayed.
   */
  eventLog?: SseProviderDefinition<SseEventLog>;
  /**
   * Connects the instances of a cluster, e.g. `new RedisBackplane({ url })`, so that broadcasts,
   * group and client sends, disconnects and client counts reach clients on every instance.
   * Default: none; each instance serves only its own clients.
   */
  backplane?: SseProviderDefinition<SseBackplane>;
}

export type SseModuleForRootOptions = SseModuleOptions & SseModuleExtras;

/** For `forRootAsync({ useClass })` and `forRootAsync({ useExisting })`. */
export interface SseOptionsFactory {
  createSseOptions(): SseModuleOptions | Promise<SseModuleOptions>;
}

export type SseModuleAsyncOptions = ConfigurableModuleAsyncOptions<SseModuleOptions, 'createSseOptions'> & SseModuleExtras;
