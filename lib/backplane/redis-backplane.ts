import type { OnModuleDestroy } from '@nestjs/common';
import type { SseCallOptions } from '../support/timeout.js';
import { ManagedRedisClient } from '../redis/redis-client.js';
import { checkRedisSource, claimService, type SseRedisConnectionOptions } from '../redis/redis-connection.js';
import type { SseBackplane } from './backplane.interface.js';

export interface RedisBackplaneOptions extends SseRedisConnectionOptions {
  /** The pub/sub channel. Instances that share it form one cluster. Default `nestjs-sse`, or `nestjs-sse:<name>` for a named SseService. */
  channel?: string;
}

const MEANWHILE = 'Events reach only the clients of this instance until it is back; node-redis reconnects by itself.';

/**
 * A backplane over Redis pub/sub: one connection publishes, a second one subscribes. Delivery
 * is at most once: what is published while an instance is cut off from Redis does not reach it
 * later. Pair it with RedisStreamEventLog so that clients can catch up by reconnecting.
 */
export class RedisBackplane implements SseBackplane, OnModuleDestroy {
  private channel: string;
  private service?: string;
  private publisher?: Promise<ManagedRedisClient>;
  private subscriber?: ManagedRedisClient;

  constructor(private readonly options: RedisBackplaneOptions) {
    checkRedisSource(options, 'RedisBackplane');
    this.channel = options.channel ?? 'nestjs-sse';
  }

  /**
   * For a named SseService: the channel becomes `<channel>:<name>` unless `channel` was given, so
   * that services of one app never hear each other. One backplane serves one service.
   */
  forService(name: string): void {
    this.service = claimService(this.service, name, 'RedisBackplane', 'a RedisBackplane');
    if (this.options.channel === undefined) this.channel = `nestjs-sse:${name}`;
  }

  /**
   * Waits up to 2 s for Redis, so that a down Redis delays startup without failing it. node-redis
   * resubscribes after a reconnect; a subscribe that never got through is retried when Redis is ready.
   */
  async subscribe(onMessage: (message: string) => void): Promise<void> {
    const publisher = await this.connection();
    const subscriber = publisher.duplicate('RedisBackplane subscriber', MEANWHILE);
    this.subscriber = subscriber;
    let listening: Promise<unknown> | undefined;
    const listen = () =>
      (listening ??= subscriber.client.subscribe(this.channel, onMessage).catch(() => {
        listening = undefined;
      }));
    subscriber.client.on('ready', () => void listen());
    await Promise.all([publisher.connect().then(() => publisher.readClock()), subscriber.connect()]);
    if (subscriber.client.isReady) await listen();
  }

  /** With `options`, Redis refuses the PUBLISH if it reaches it after the deadline (see SseCallOptions). */
  async publish(message: string, options?: SseCallOptions): Promise<number> {
    const redis = await this.connection();
    const publish = ['PUBLISH', this.channel, message];
    return Number(await (options ? redis.commandBefore([], publish, options, 'RedisBackplane PUBLISH') : redis.command(publish)));
  }

  /** Both connections: the one that publishes answers PING, and the one that subscribes is connected. */
  async ping(options?: SseCallOptions): Promise<void> {
    const publisher = await this.connection();
    if (this.subscriber && !this.subscriber.client.isReady) throw new Error('RedisBackplane subscriber is not connected to Redis.');
    await publisher.ping(options?.signal);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.subscriber?.close(), this.publisher?.then((publisher) => publisher.close())]);
  }

  private connection(): Promise<ManagedRedisClient> {
    this.publisher ??= ManagedRedisClient.create(this.options, 'RedisBackplane', MEANWHILE);
    return this.publisher;
  }
}
