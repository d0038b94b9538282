export * from './event-log.interface.js';
export * from './in-memory-event-log.js';
export * from './redis-stream-event-log.js';
