export * from './cache-manager-no-reconnect.store.js';
export * from './in-memory-no-reconnect.store.js';
export * from './no-reconnect-store.interface.js';
export * from './noop-no-reconnect.store.js';
