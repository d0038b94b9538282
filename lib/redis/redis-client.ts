import { Logger } from '@nestjs/common';
import { OutageLog } from '../outage-log.js';
import { withTimeout } from '../timeout.js';

/**
 * The part of a node-redis 5 client (`createClient()` from `redis`, `@redis/client` or
 * `@keyv/redis`) that this package uses. Typed structurally so no Redis types leak into yours.
 */
export interface SseRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  duplicate(): SseRedisClient;
  sendCommand(args: string[]): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => void): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- node-redis types its listeners with any[].
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

const CLOSE_TIMEOUT = 1000;

/**
 * A Redis client that this package connects and watches: an outage is logged once, commands
 * fail fast while it lasts, and node-redis reconnects (and resubscribes) by itself.
 */
export class ManagedRedisClient {
  readonly client: SseRedisClient;
  private readonly owned: boolean;
  private readonly outage: OutageLog;
  private readonly onError = (error: Error) => this.outage.failed(error);
  private readonly onReady = () => this.outage.recovered();

  private constructor(client: SseRedisClient, owned: boolean, what: string, meanwhile: string) {
    this.client = client;
    this.owned = owned;
    this.outage = new OutageLog(new Logger(what), `Redis (${what})`, meanwhile);
    client.on('error', this.onError);
    client.on('ready', this.onReady);
  }

  /** `meanwhile` says what the adapter does while Redis is away, for the one log line. */
  static async create(options: SseRedisConnectionOptions, what: string, meanwhile: string): Promise<ManagedRedisClient> {
    // The adapters check `options` when they are constructed, so a bad one fails at startup.
    const client = options.client ?? (await createOwnClient(options.url!));
    return new ManagedRedisClient(client, options.client === undefined, what, meanwhile);
  }

  /** A second connection with the same settings, which this package owns (subscribers need their own). */
  duplicate(what: string, meanwhile: string): ManagedRedisClient {
    return new ManagedRedisClient(this.client.duplicate(), true, what, meanwhile);
  }

  /** Starts connecting and waits up to `milliseconds` for it; an outage at startup is logged, not thrown. */
  async connect(milliseconds: number): Promise<void> {
    if (this.client.isOpen) return;
    const connected = this.client.connect();
    connected.catch(this.onError);
    await withTimeout(connected, milliseconds, 'Redis').catch(this.onError);
  }

  async command(args: string[]): Promise<unknown> {
    try {
      const reply = await this.client.sendCommand(args);
      this.outage.recovered();
      return reply;
    } catch (error) {
      this.outage.failed(error);
      throw error;
    }
  }

  /** `now` drops pending commands, e.g. a blocking read that would hold the close up. */
  async close({ now = false } = {}): Promise<void> {
    this.client.off('error', this.onError);
    this.client.off('ready', this.onReady);
    if (!this.owned) return;
    // Errors after this point belong to nobody; without a listener node-redis would crash the process.
    this.client.on('error', () => undefined);
    if (now) return this.client.destroy();
    await withTimeout(this.client.close(), CLOSE_TIMEOUT, 'Redis close').catch(() => this.client.destroy());
  }
}

/** Throws at startup, rather than at the first event, when neither a URL nor a client is given. */
export function checkRedisSource(options: SseRedisConnectionOptions | undefined, what: string): void {
  if (options?.client !== undefined || (typeof options?.url === 'string' && options.url !== '')) return;
  throw new Error(`${what} needs a Redis connection: pass { url: 'redis://host:6379' } or { client } (a node-redis 5 client).`);
}

async function createOwnClient(url: string): Promise<SseRedisClient> {
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
