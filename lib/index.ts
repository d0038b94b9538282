export * from './backplane/index.js';
export * from './client-id/index.js';
export * from './event-log/index.js';
export * from './no-reconnect/index.js';
export type { SseRedisClient, SseRedisConnectionOptions } from './redis/redis-connection.js';
export {
  BACKPLANE,
  CLIENT_ID_PROVIDER,
  EVENT_LOG,
  NO_RECONNECT_STORE,
  DEFAULT_NO_RECONNECT_TTL,
} from './sse.constants.js';
export { type SseCallOptions, SseTimeoutError } from './support/timeout.js';
export { SseClientNotConnectedError } from './sse.errors.js';
export type { SseEvent, SseMessageEvent } from './wire/sse-event.js';
export type { SseMetrics, SseOutageCounts } from './support/metrics.js';
export type { SseDependencyHealth, SseHealth } from './observability/health-check.js';
export { SseHealthIndicator } from './observability/sse-health-indicator.js';
export type { SseRequest, SseResponse } from './http/http-pair.js';
export { SseClient } from './clients/sse-client.js';
export type {
  SseClientConnectedEvent,
  SseClientDisconnectedEvent,
  SseClientFilter,
} from './clients/client-events.js';
export type { SseDisconnectReason } from './support/disconnect-reason.js';
export type {
  SseKeepaliveOptions,
  SseModuleAsyncOptions,
  SseModuleExtras,
  SseModuleForRootOptions,
  SseModuleOptions,
  SseOptionsFactory,
  SseProviderDefinition,
} from './options/sse-module-options.js';
export { SseModule } from './sse.module.js';
export type { SseConnectOptions } from './handshake/handshake.js';
export { SseService } from './sse.service.js';
export { getSseProviderToken, getSseServiceToken, InjectSseService } from './sse.tokens.js';
