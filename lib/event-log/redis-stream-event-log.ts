import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { SseCallOptions } from '../support/timeout.js';
import { checkCount, checkDuration } from '../options/option-validation.js';
import { ManagedRedisClient } from '../redis/redis-client.js';
import { checkRedisSource, claimService, type SseRedisConnectionOptions } from '../redis/redis-connection.js';
import type { SseEventLog, SseEventToLog, SseLoggedEvent, SseMissedEvents } from './event-log.interface.js';
import { RedisStreamReplay, STREAM_ID, type StreamEntry, toLoggedEvent } from './redis-stream-replay.js';

export interface RedisStreamEventLogOptions extends SseRedisConnectionOptions {
  /** The stream's key. Instances that share it share their events. Default `nestjs-sse:events`, or `nestjs-sse:events:<name>` for a named SseService. */
  key?: string;
  /** How many events to keep. Default 10 000. */
  maxEvents?: number;
  /** How long (ms) an event stays replayable; older ones are trimmed too. Default: until `maxEvents` pushes it out. */
  maxAge?: number;
}

const READ_BATCH = '1000';
const READ_BLOCK = '5000';
const RETRY_READ = 250;
const MEANWHILE = 'Events go out without ids and are not logged; clients that reconnect meanwhile get no replay.';

/**
 * The last events of every instance, in one Redis stream. Redis gives events sent without an id
 * one that orders them across instances (`<ms>-<n>`), so a client can resume on any instance.
 * Ids given by the caller are kept: resuming from one costs a scan of the stream, and caller ids
 * shaped like `<n>-<n>` cannot be resumed from. A stream that was never given a caller id is
 * never scanned, so a made-up Last-Event-ID costs one lookup.
 */
export class RedisStreamEventLog implements SseEventLog, OnModuleInit, OnModuleDestroy {
  private key: string;
  private service?: string;
  private readonly maxEvents: number;
  private readonly maxAge: number | undefined;
  private readonly replay: RedisStreamReplay;
  private redis?: Promise<ManagedRedisClient>;
  private replayReads?: Promise<ManagedRedisClient>;
  private reader?: ManagedRedisClient;
  private closed = false;
  private trimmedAt = 0;
  private callerIdsMarked = false;

  constructor(private readonly options: RedisStreamEventLogOptions) {
    checkRedisSource(options, 'RedisStreamEventLog');
    this.key = options.key ?? 'nestjs-sse:events';
    this.maxEvents = checkCount(options.maxEvents ?? 10_000, 'RedisStreamEventLog maxEvents');
    this.maxAge = options.maxAge === undefined ? undefined : checkDuration(options.maxAge, 'RedisStreamEventLog maxAge');
    const keyOf = () => this.key;
    const source = {
      // Read at each use: a named service's key is set after construction (see forService).
      get key() {
        return keyOf();
      },
      hasCallerIds: async (redis: ManagedRedisClient) => (await redis.command(['EXISTS', this.callerIdsKey])) === 1,
      isTooOld: (position: string) => this.isTooOld(position),
    };
    this.replay = new RedisStreamReplay(source, () => this.replayConnection());
  }

  /**
   * For a named SseService: the key becomes `nestjs-sse:events:<name>` unless `key` was given, so
   * that services of one app never replay each other's events. One log serves one service.
   */
  forService(name: string): void {
    this.service = claimService(this.service, name, 'RedisStreamEventLog', 'a log');
    if (this.options.key === undefined) this.key = `nestjs-sse:events:${name}`;
  }

  async onModuleInit(): Promise<void> {
    const redis = await this.connection();
    await Promise.all([redis.connect().then(() => redis.readClock()), this.replayConnection()]);
  }

  /** The connection that appends answers PING, and the one that follows the stream is connected. */
  async ping(options?: SseCallOptions): Promise<void> {
    const redis = await this.connection();
    if (this.reader && !this.reader.client.isReady) throw new Error('RedisStreamEventLog reader is not connected to Redis.');
    await redis.ping(options?.signal);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    const closing = [this.redis, this.replayReads].map((redis) => redis?.then((connection) => connection.close()));
    await Promise.all([this.reader?.close({ now: true }), ...closing]);
  }

  /**
   * Reads the stream as it grows, on a connection of its own (XREAD BLOCK), from its newest entry
   * at startup. After an outage it goes on from the last entry it read, so this instance's clients
   * get what other instances logged meanwhile.
   */
  async follow(onEvent: (event: SseLoggedEvent) => void): Promise<void> {
    const reader = (await this.connection()).duplicate('RedisStreamEventLog reader', MEANWHILE);
    this.reader = reader;
    await reader.connect();
    const start = await this.newestId(reader).catch(() => undefined);
    void this.tail(reader, start, onEvent);
  }

  private async tail(reader: ManagedRedisClient, after: string | undefined, onEvent: (event: SseLoggedEvent) => void) {
    let last = after;
    while (!this.closed) {
      try {
        last ??= await this.newestId(reader);
        const reply = await reader.command(['XREAD', 'COUNT', READ_BATCH, 'BLOCK', READ_BLOCK, 'STREAMS', this.key, last]);
        for (const [, entries] of (reply ?? []) as [string, StreamEntry[]][]) {
          for (const entry of entries) {
            last = entry[0];
            onEvent(toLoggedEvent(entry));
          }
        }
      } catch {
        if (!this.closed) await new Promise((resolve) => setTimeout(resolve, RETRY_READ));
      }
    }
  }

  private async newestId(redis: ManagedRedisClient): Promise<string> {
    const [newest] = (await redis.command(['XREVRANGE', this.key, '+', '-', 'COUNT', '1'])) as StreamEntry[];
    return newest?.[0] ?? '0-0';
  }

  /** With `options`, Redis refuses the XADD if it reaches it after the deadline (see SseCallOptions). */
  async append(event: SseEventToLog, options?: SseCallOptions): Promise<string> {
    const redis = await this.connection();
    const fields = ['b', event.body, 'a', JSON.stringify(event.audience)];
    if (event.id !== undefined) {
      fields.push('i', event.id);
      this.markCallerIds(redis);
    }
    const xadd = ['XADD', this.key, 'MAXLEN', String(this.maxEvents), '*', ...fields];
    const added = options ? redis.commandBefore([this.key], xadd, options, 'RedisStreamEventLog XADD') : redis.command(xadd);
    this.trimByAge(redis);
    const streamId = String(await added);
    return event.id ?? streamId;
  }

  /** Sent ahead of the XADD on the same connection, so the mark is there before the event can be resumed from. */
  private markCallerIds(redis: ManagedRedisClient): void {
    if (this.callerIdsMarked) return;
    redis.command(['SET', this.callerIdsKey, '1']).then(
      () => (this.callerIdsMarked = true),
      () => undefined,
    );
  }

  private get callerIdsKey(): string {
    return `${this.key}:caller-ids`;
  }

  /** At most once a second: since() ignores older events anyway, so this only bounds memory. */
  private trimByAge(redis: ManagedRedisClient): void {
    const now = Date.now();
    if (this.maxAge === undefined || now - this.trimmedAt < 1000) return;
    this.trimmedAt = now;
    redis.command(['XTRIM', this.key, 'MINID', String(now - this.maxAge)]).catch(() => undefined);
  }

  /** What a client resuming from `lastEventId` missed; reads of a reconnect storm are merged (see RedisStreamReplay). */
  since(lastEventId: string, options?: SseCallOptions): Promise<SseMissedEvents> {
    return this.replay.since(lastEventId, options);
  }

  private isTooOld(position: string): boolean {
    return this.maxAge !== undefined && Number(STREAM_ID.exec(position)![1]) < Date.now() - this.maxAge;
  }

  private connection(): Promise<ManagedRedisClient> {
    this.redis ??= ManagedRedisClient.create(this.options, 'RedisStreamEventLog', MEANWHILE);
    return this.redis;
  }

  /** Replays get a connection of their own, so that a storm of them never holds appends up. */
  private replayConnection(): Promise<ManagedRedisClient> {
    this.replayReads ??= this.connection().then(async (main) => {
      const replay = main.duplicate('RedisStreamEventLog replay', MEANWHILE);
      await replay.connect();
      return replay;
    });
    return this.replayReads;
  }
}
