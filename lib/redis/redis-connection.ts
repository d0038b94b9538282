/**
 * The part of a node-redis 5 client (`createClient()` from `redis`, `@redis/client` or
 * `@keyv/redis`) that this package uses. Typed structurally so no Redis types leak into yours.
 */
export interface SseRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  duplicate(): SseRedisClient;
  sendCommand(args: string[], options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: node-redis types its listeners with any[].
  off(event: 'error' | 'ready', listener: (...args: any[]) => void): unknown;
  close(): Promise<unknown>;
  destroy(): void;
}

/** Where a Redis adapter gets its connection: a URL (it connects and closes a client itself) or your client. */
export interface SseRedisConnectionOptions {
  /** `redis://[[user]:password@]host[:port][/db]`; the adapter owns the client it creates. */
  url?: string;
  /**
   * A node-redis 5 client. It is connected if it is not already, and left open on shutdown
   * because it is yours. Create it with `disableOfflineQueue: true`, or commands sent during an
   * outage wait for Redis to return instead of failing fast.
   */
  client?: SseRedisClient;
}

/** Throws at startup, rather than at the first event, when neither a URL nor a client is given. */
export function checkRedisSource(options: SseRedisConnectionOptions | undefined, what: string): void {
  if (options?.client !== undefined || (typeof options?.url === 'string' && options.url !== '')) return;
  throw new Error(`${what} needs a Redis connection: pass { url: 'redis://host:6379' } or { client } (a node-redis 5 client).`);
}

/**
 * The named SseService a Redis adapter serves (see forService): one at most, since its channel or
 * key is that service's. Throws, naming both, when a second one asks for it.
 */
export function claimService(serving: string | undefined, name: string, adapter: string, ownOne: string): string {
  if (serving !== undefined && serving !== name) {
    throw new Error(`This ${adapter} already serves the SseService "${serving}"; give "${name}" ${ownOne} of its own.`);
  }
  return name;
}

export async function createOwnClient(url: string): Promise<SseRedisClient> {
  let redis: { createClient(options: object): unknown };
  try {
    redis = await import('@redis/client');
  } catch (cause) {
    throw new Error('The Redis adapters of nestjs-sse need node-redis: npm install @redis/client (or @keyv/redis).', { cause });
  }
  return redis.createClient({
    url,
    // Fail fast during an outage: a queued event would arrive stale, and a queued lookup would stall a request.
    disableOfflineQueue: true,
    socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2000) },
  }) as SseRedisClient;
}
