import { createKeyv } from '@keyv/redis';
import { createCache } from 'cache-manager';
import {
  CacheManagerNoReconnectStore,
  InMemoryEventLog,
  InMemoryNoReconnectStore,
  RedisBackplane,
  RedisStreamEventLog,
  type SseModuleForRootOptions,
} from 'nestjs-sse';

const MAX_EVENTS = 500;
const MAX_AGE = 5 * 60_000;

/**
 * One instance keeps its state in memory. With REDIS_URL set, every instance shares it through
 * Redis, so the sample can run as a cluster: `REDIS_URL=redis://127.0.0.1:6379 PORT=3001 npm run sample`.
 */
export function clusterOptions(redisUrl = process.env.REDIS_URL): SseModuleForRootOptions {
  if (!redisUrl) {
    return { noReconnectStore: InMemoryNoReconnectStore, eventLog: new InMemoryEventLog({ maxEvents: MAX_EVENTS, maxAge: MAX_AGE }) };
  }
  return {
    // Disconnected ids are refused by every instance, whichever one the browser comes back to.
    noReconnectStore: new CacheManagerNoReconnectStore(createCache({ stores: [createKeyv(redisUrl, { namespace: 'sse-sample' })] })),
    // A browser that reconnects to another instance still gets the events it missed.
    eventLog: new RedisStreamEventLog({ url: redisUrl, key: 'sse-sample:events', maxEvents: MAX_EVENTS, maxAge: MAX_AGE }),
    // Broadcasts, group sends, disconnects and counts reach the clients of every instance.
    backplane: new RedisBackplane({ url: redisUrl, channel: 'sse-sample' }),
  };
}
