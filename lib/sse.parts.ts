import { Logger } from '@nestjs/common';
import type { SseBackplane } from './backplane/backplane.interface.js';
import type { ClientIdProvider } from './client-id/client-id-provider.interface.js';
import { RandomClientIdProvider } from './client-id/random-client-id.provider.js';
import { ClientLifecycle } from './clients/client-lifecycle.js';
import { ClientRegistry } from './clients/client-registry.js';
import { ClusterBus } from './cluster/cluster-bus.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { Dispatcher } from './delivery/dispatcher.js';
import { EventEncoder } from './delivery/event-encoder.js';
import { Keepalive } from './delivery/keepalive.js';
import { ReconnectInterval } from './delivery/reconnect-interval.js';
import { Replay } from './delivery/replay.js';
import { SendSequencer } from './delivery/send-sequencer.js';
import { WriteBatcher } from './delivery/write-batcher.js';
import type { SseEventLog } from './event-log/event-log.interface.js';
import { Capacity } from './handshake/capacity.js';
import { Handshake } from './handshake/handshake.js';
import { ClientIds } from './identity/client-ids.js';
import { NoReconnectGate } from './identity/no-reconnect-gate.js';
import type { NoReconnectStore } from './no-reconnect/no-reconnect-store.interface.js';
import { NoopNoReconnectStore } from './no-reconnect/noop-no-reconnect.store.js';
import type { ResolvedSseOptions } from './options/resolved-options.js';
import { BACKPLANE, CLIENT_ID_PROVIDER, EVENT_LOG, NO_RECONNECT_STORE } from './sse.constants.js';
import { assertImplements } from './sse.providers.js';
import { HealthCheck } from './observability/health-check.js';
import { Metrics, type SseMetrics } from './support/metrics.js';
import { OutageLog } from './support/outage-log.js';

/** The four ports, as the module's providers resolved them. */
export interface SsePorts {
  clientIdProvider: ClientIdProvider;
  store: NoReconnectStore;
  log: SseEventLog | null;
  backplane: SseBackplane | null;
}

/** What SseService calls into. */
export interface SseParts {
  registry: ClientRegistry;
  metrics: Metrics;
  sequencer: SendSequencer;
  dispatcher: Dispatcher;
  reconnectInterval: ReconnectInterval;
  lifecycle: ClientLifecycle;
  handshake: Handshake;
  cluster?: ClusterBus;
  health: HealthCheck;
  /** getMetrics: the counters, with the clients connected now and the outages so far. */
  metricsNow(): SseMetrics;
}

/**
 * Builds the parts of one SseService and fits them together: the one place that knows them all.
 * Each part is given only the parts below it (see CONTRIBUTING.md, Layers).
 */
export function assembleParts(options: ResolvedSseOptions, { clientIdProvider, store, log, backplane }: SsePorts, name?: string): SseParts {
  assertImplements(clientIdProvider, CLIENT_ID_PROVIDER, ['acquireClientId', 'releaseClientId']);
  assertImplements(store, NO_RECONNECT_STORE, ['addClientId', 'containsClientId', 'removeClientId']);
  if (log !== null) assertImplements(log, EVENT_LOG, ['append', 'since']);
  if (backplane !== null) assertImplements(backplane, BACKPLANE, ['subscribe', 'publish']);
  // A named service keeps its messages and events apart from the others' on a shared Redis.
  if (name !== undefined) {
    backplane?.forService?.(name);
    log?.forService?.(name);
  }
  const logger = new Logger('SseService');
  const timeout = options.storeTimeout;
  const registry = new ClientRegistry();
  const metrics = new Metrics();
  const sequencer = new SendSequencer();
  const logOutage = new OutageLog(logger, EVENT_LOG, 'Events go out without a logged id, and reconnecting clients get no replay.');
  const replay = new Replay(log, logOutage, timeout, registry);
  const encoder = new EventEncoder(log, logOutage, timeout, metrics, () => replay.sawEvent());
  const dispatcher = new Dispatcher(registry, encoder, sequencer, replay, logger);
  const reconnectInterval = new ReconnectInterval(options.retryFrame, registry);
  const canRefuse = !(clientIdProvider instanceof RandomClientIdProvider) && !(store instanceof NoopNoReconnectStore);
  const gate = new NoReconnectGate(store, { timeout, ttl: options.noReconnectTtl, canRefuse }, logger);
  const clientIds = new ClientIds(clientIdProvider, logger);
  const keepalive = new Keepalive(options.keepalive, registry);
  const batcher = new WriteBatcher();
  const { maxBufferedBytes } = options;
  const lifecycleParts = { registry, clientIds, gate, replay, dispatcher, keepalive, reconnectInterval, batcher, metrics, logger };
  const { resetFrame, drainWindow, maxConnectionAge } = options;
  const lifecycle = new ClientLifecycle({ ...lifecycleParts, maxBufferedBytes, resetFrame, drainWindow, maxConnectionAge });
  const capacity = new Capacity(options.maxClients, options.maxClientsRetry, registry, logger);
  const handshake = new Handshake({ clientIds, gate, capacity, lifecycle, metrics, logger });
  const node = new ClusterNode(registry, dispatcher, reconnectInterval, lifecycle);
  const cluster = backplane === null ? undefined : new ClusterBus(backplane, node, options.backplaneTimeout);
  const outages = { store: gate.outage, eventLog: logOutage, backplane: cluster?.outage };
  const health = new HealthCheck({ store, log, backplane }, outages, timeout);
  const metricsNow = () =>
    metrics.snapshot(registry.size, {
      store: outages.store.outages,
      eventLog: outages.eventLog.outages,
      backplane: outages.backplane?.outages ?? 0,
    });
  return { registry, metrics, sequencer, dispatcher, reconnectInterval, lifecycle, handshake, cluster, health, metricsNow };
}
