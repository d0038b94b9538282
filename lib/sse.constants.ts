/**
 * Injection tokens. They are strings, not module-local Symbols, so that two installed copies of
 * this package still agree on them.
 */
export const CLIENT_ID_PROVIDER = 'nestjs-sse:CLIENT_ID_PROVIDER';
export const NO_RECONNECT_STORE = 'nestjs-sse:NO_RECONNECT_STORE';
export const EVENT_LOG = 'nestjs-sse:EVENT_LOG';
export const BACKPLANE = 'nestjs-sse:BACKPLANE';

/** How long a disconnected client's id is remembered unless configured otherwise: 5 minutes. */
export const DEFAULT_NO_RECONNECT_TTL = 5 * 60_000;
/** Below the 30 to 60 s idle timeouts common in proxies and load balancers. */
export const DEFAULT_KEEPALIVE_INTERVAL = 15_000;
/** Per client: room for bursts to a reader on a slow link, small enough that 10 000 stalled clients cost ~10 GB at worst. */
export const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
/** A healthy store answers in a millisecond; one that hangs must not stall connects for long. */
export const DEFAULT_STORE_TIMEOUT = 1000;
/** How long to wait for the other instances to answer over the backplane. */
export const DEFAULT_BACKPLANE_TIMEOUT = 2000;
/** Long enough for a full instance to drain a little; jittered by ±50% per client. */
export const DEFAULT_MAX_CLIENTS_RETRY = 10_000;

/**
 * Over how long (ms) the clients of an instance that shuts down reconnect: a few seconds spreads a
 * deploy's reconnects without keeping browsers away for long.
 */
export const DEFAULT_DRAIN_WINDOW = 5000;
/** The most a stream ended for its age or its credential waits before it reconnects, drawn per stream. */
export const EXPIRED_RETRY_WINDOW = 1000;
/** The least `retry:` a drain or an expiry gives: the browser keeps it, and a few ms would make a later outage a tight loop. */
export const RETRY_FLOOR = 250;

/** SseModule's options, as forRoot and forRootAsync give them to the service of their module. */
export const SSE_MODULE_OPTIONS = 'nestjs-sse:MODULE_OPTIONS';

/** The name of a named SseService (SseModule.forRoot({ name })), inside its own module. */
export const SSE_SERVICE_NAME = 'nestjs-sse:SERVICE_NAME';
