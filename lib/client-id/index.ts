export * from './client-id-provider.interface.js';
export * from './cookie-client-id.provider.js';
export * from './random-client-id.provider.js';
export * from './client-id-cookie.middleware.js';
