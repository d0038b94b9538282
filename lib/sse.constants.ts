/**
 * Injection tokens. They are strings, not module-local Symbols, so that two installed copies of
 * this package still agree on them.
 */
export const CLIENT_ID_PROVIDER = 'nestjs-sse:CLIENT_ID_PROVIDER';
export const NO_RECONNECT_STORE = 'nestjs-sse:NO_RECONNECT_STORE';
export const EVENT_LOG = 'nestjs-sse:EVENT_LOG';

/** How long a disconnected client's id is remembered unless configured otherwise: 5 minutes. */
export const DEFAULT_NO_RECONNECT_TTL = 5 * 60_000;
/** Below the 30 to 60 s idle timeouts common in proxies and load balancers. */
export const DEFAULT_KEEPALIVE_INTERVAL = 15_000;
