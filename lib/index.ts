export * from './backplane/index.js';
export * from './client-id/index.js';
export * from './event-log/index.js';
export * from './no-reconnect/index.js';
export type { SseRedisClient, SseRedisConnectionOptions } from './redis/redis-client.js';
export {
  BACKPLANE,
  CLIENT_ID_PROVIDER,
  EVENT_LOG,
  NO_RECONNECT_STORE,
  DEFAULT_NO_RECONNECT_TTL,
} from './sse.constants.js';
export { SseTimeoutError, type SseCallOptions } from './timeout.js';
export { SseClientNotConnectedError } from './sse.errors.js';
export type { SseEvent, SseMessageEvent } from './sse-event.js';
export type { SseMetrics } from './sse-metrics.js';
export type { SseRequest, SseResponse } from './http/http-pair.js';
export { SseClient } from './sse-client.js';
export type {
  SseClientConnectedEvent,
  SseClientDisconnectedEvent,
  SseClientFilter,
  SseDisconnectReason,
} from './sse-client-events.js';
export type {
  SseKeepaliveOptions,
  SseModuleAsyncOptions,
  SseModuleExtras,
  SseModuleForRootOptions,
  SseModuleOptions,
  SseOptionsFactory,
  SseProviderDefinition,
} from './sse-module-options.js';
export { SseModule } from './sse.module.js';
export { SseService, type SseConnectOptions } from './sse.service.js';
