export * from './backplane.interface.js';
export * from './redis-backplane.js';
