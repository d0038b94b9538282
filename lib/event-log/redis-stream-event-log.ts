import type { OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { SseCallOptions } from '../timeout.js';
import { checkCount, checkDuration } from '../option-validation.js';
import { checkRedisSource, ManagedRedisClient, type SseRedisConnectionOptions } from '../redis/redis-client.js';
import type { SseEventAudience, SseEventLog, SseEventToLog, SseLoggedEvent, SseMissedEvents } from './event-log.interface.js';

export interface RedisStreamEventLogOptions extends SseRedisConnectionOptions {
  /** The stream's key. Instances that share it share their events. Default `nestjs-sse:events`. */
  key?: string;
  /** How many events to keep. Default 10 000. */
  maxEvents?: number;
  /** How long (ms) an event stays replayable; older ones are trimmed too. Default: until `maxEvents` pushes it out. */
  maxAge?: number;
}

/**
 * A stream entry id, `<ms>-<n>`: the ids this log gives to events sent without one. Digits are
 * bounded so that Redis, whose ids are two 64-bit numbers, never refuses one as invalid.
 */
const STREAM_ID = /^(\d{1,16})-\d{1,19}$/;
const SCAN_PAGE = 500;
const CONNECT_WAIT = 2000;
const READ_BATCH = '1000';
const READ_BLOCK = '5000';
const RETRY_READ = 250;
const MEANWHILE = 'Events go out without ids and are not logged; clients that reconnect meanwhile get no replay.';

type StreamEntry = [id: string, fields: string[]];

/**
 * The last events of every instance, in one Redis stream. Redis gives events sent without an id
 * one that orders them across instances (`<ms>-<n>`), so a client can resume on any instance.
 * Ids given by the caller are kept: resuming from one costs a scan of the stream, and caller ids
 * shaped like `<n>-<n>` cannot be resumed from. A stream that was never given a caller id is
 * never scanned, so a made-up Last-Event-ID costs one lookup.
 */
export class RedisStreamEventLog implements SseEventLog, OnModuleInit, OnModuleDestroy {
  private readonly key: string;
  private readonly maxEvents: number;
  private readonly maxAge: number | undefined;
  private redis?: Promise<ManagedRedisClient>;
  private reader?: ManagedRedisClient;
  private closed = false;
  private trimmedAt = 0;
  private callerIdsMarked = false;

  constructor(private readonly options: RedisStreamEventLogOptions) {
    checkRedisSource(options, 'RedisStreamEventLog');
    this.key = options.key ?? 'nestjs-sse:events';
    this.maxEvents = checkCount(options.maxEvents ?? 10_000, 'RedisStreamEventLog maxEvents');
    this.maxAge = options.maxAge === undefined ? undefined : checkDuration(options.maxAge, 'RedisStreamEventLog maxAge');
  }

  async onModuleInit(): Promise<void> {
    await (await this.connection()).connect(CONNECT_WAIT);
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    await Promise.all([this.reader?.close({ now: true }), this.redis?.then((redis) => redis.close())]);
  }

  /**
   * Reads the stream as it grows, on a connection of its own (XREAD BLOCK), from its newest entry
   * at startup. After an outage it goes on from the last entry it read, so this instance's clients
   * get what other instances logged meanwhile.
   */
  async follow(onEvent: (event: SseLoggedEvent) => void): Promise<void> {
    const reader = (this.reader = (await this.connection()).duplicate('RedisStreamEventLog reader', MEANWHILE));
    await reader.connect(CONNECT_WAIT);
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
    redis.command(['SET', this.callerIdsKey, '1']).then(() => (this.callerIdsMarked = true), () => undefined);
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

  async since(lastEventId: string): Promise<SseMissedEvents> {
    const redis = await this.connection();
    const position = await this.positionOf(redis, lastEventId);
    if (position === undefined || this.isTooOld(position)) return undefined;
    const entries = (await redis.command(['XRANGE', this.key, `(${position}`, '+'])) as StreamEntry[];
    return entries.map(toLoggedEvent);
  }

  /**
   * The stream entry of the event that went out as `eventId`. An id shaped like the ones this log
   * gives is looked up directly and never scanned for, so resuming from one trimmed away is cheap.
   */
  private async positionOf(redis: ManagedRedisClient, eventId: string): Promise<string | undefined> {
    if (!STREAM_ID.test(eventId)) return this.scanForCallerId(redis, eventId);
    const [entry] = (await redis.command(['XRANGE', this.key, eventId, eventId])) as StreamEntry[];
    return entry && field(entry[1], 'i') === undefined ? entry[0] : undefined;
  }

  /** Newest first, because a client resuming missed the latest events, not the oldest. */
  private async scanForCallerId(redis: ManagedRedisClient, eventId: string): Promise<string | undefined> {
    if (!(await redis.command(['EXISTS', this.callerIdsKey]))) return undefined;
    let end = '+';
    for (;;) {
      const page = (await redis.command(['XREVRANGE', this.key, end, '-', 'COUNT', String(SCAN_PAGE)])) as StreamEntry[];
      const match = page.find(([, fields]) => field(fields, 'i') === eventId);
      if (match) return match[0];
      if (page.length < SCAN_PAGE) return undefined;
      end = `(${page[page.length - 1]![0]}`;
    }
  }

  private isTooOld(position: string): boolean {
    return this.maxAge !== undefined && Number(STREAM_ID.exec(position)![1]) < Date.now() - this.maxAge;
  }

  private connection(): Promise<ManagedRedisClient> {
    this.redis ??= ManagedRedisClient.create(this.options, 'RedisStreamEventLog', MEANWHILE);
    return this.redis;
  }
}

function toLoggedEvent([streamId, fields]: StreamEntry): SseLoggedEvent {
  return {
    id: field(fields, 'i') ?? streamId,
    body: field(fields, 'b') ?? '',
    audience: JSON.parse(field(fields, 'a') ?? '{"kind":"all"}') as SseEventAudience,
  };
}

function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
