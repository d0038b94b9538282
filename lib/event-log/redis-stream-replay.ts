import type { ManagedRedisClient } from '../redis/redis-client.js';
import type { SseCallOptions } from '../timeout.js';
import type { SseEventAudience, SseLoggedEvent, SseMissedEvents } from './event-log.interface.js';

/** A stream entry as XRANGE and XREAD give it. */
export type StreamEntry = [id: string, fields: string[]];

/**
 * A stream entry id, `<ms>-<n>`: the ids RedisStreamEventLog gives to events sent without one.
 * Digits are bounded so that Redis, whose ids are two 64-bit numbers, never refuses one as invalid.
 */
export const STREAM_ID = /^(\d{1,16})-\d{1,19}$/;
const PAGE = 1000;

interface Request {
  lastEventId: string;
  signal?: AbortSignal;
  resolve(events: SseMissedEvents): void;
  reject(error: unknown): void;
}

export interface ReplaySource {
  key: string;
  /** Whether any event was ever logged with an id of the caller's (see RedisStreamEventLog). */
  hasCallerIds(redis: ManagedRedisClient): Promise<boolean>;
  /** Whether the entry at `position` is older than the log keeps events for. */
  isTooOld(position: string): boolean;
}

/**
 * Reads what resuming clients missed. A reconnect storm asks thousands of times at once, mostly
 * from the same few ids: reading the stream once per client would send the same entries back
 * thousands of times, on one connection, until the reads time out wholesale. So one read runs at
 * a time, and the requests that arrive meanwhile share the next: it looks up each id they resume
 * from, reads the stream once from the oldest, in pages, and gives each the part after its own
 * id. A request whose caller gave up is left out; a read nobody waits for any more stops.
 */
export class RedisStreamReplay {
  private waiting: Request[] = [];
  private reading = false;

  constructor(
    private readonly source: ReplaySource,
    private readonly redis: () => Promise<ManagedRedisClient>,
  ) {}

  since(lastEventId: string, options?: SseCallOptions): Promise<SseMissedEvents> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ lastEventId, signal: options?.signal, resolve, reject });
      if (this.reading) return;
      this.reading = true;
      // After the connections that arrived together have all asked, so that they share the first read.
      setImmediate(() => void this.readAll());
    });
  }

  private async readAll(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0).filter((request) => !gaveUp(request));
      await this.answer(batch).catch((error: unknown) => batch.forEach((request) => request.reject(error)));
    }
    this.reading = false;
  }

  private async answer(batch: Request[]): Promise<void> {
    if (batch.length === 0) return;
    const redis = await this.redis();
    const positions = await this.positionsOf(redis, [...new Set(batch.map((request) => request.lastEventId))]);
    const known = [...positions.values()].filter((position): position is string => position !== undefined);
    const entries = known.length === 0 ? [] : await this.readFrom(redis, oldest(known), batch);
    const index = new Map(entries.map(({ streamId }, i) => [streamId, i]));
    const events = entries.map(({ event }) => event);
    // Callers that resume from one place get one array, which SseService then replays alike.
    const after = new Map<number, SseLoggedEvent[]>();
    for (const request of batch) {
      if (gaveUp(request)) continue;
      const position = positions.get(request.lastEventId);
      const at = position === undefined ? undefined : index.get(position);
      if (at !== undefined && !after.has(at)) after.set(at, events.slice(at + 1));
      request.resolve(at === undefined ? undefined : after.get(at));
    }
  }

  /** The stream entry each id went out as, if the log still holds it and it is not too old. */
  private async positionsOf(redis: ManagedRedisClient, ids: string[]): Promise<Map<string, string | undefined>> {
    const found = await Promise.all(ids.map((id) => this.positionOf(redis, id)));
    return new Map(ids.map((id, i) => [id, found[i] !== undefined && !this.source.isTooOld(found[i]!) ? found[i] : undefined]));
  }

  /**
   * An id shaped like the ones the log gives is looked up directly and never scanned for, so
   * resuming from one trimmed away, or made up, costs one lookup.
   */
  private async positionOf(redis: ManagedRedisClient, eventId: string): Promise<string | undefined> {
    if (!STREAM_ID.test(eventId)) return this.scanForCallerId(redis, eventId);
    const [entry] = (await redis.command(['XRANGE', this.source.key, eventId, eventId])) as StreamEntry[];
    return entry && field(entry[1], 'i') === undefined ? entry[0] : undefined;
  }

  /** Newest first, because a client resuming missed the latest events, not the oldest. */
  private async scanForCallerId(redis: ManagedRedisClient, eventId: string): Promise<string | undefined> {
    if (!(await this.source.hasCallerIds(redis))) return undefined;
    let end = '+';
    for (;;) {
      const page = (await redis.command(['XREVRANGE', this.source.key, end, '-', 'COUNT', String(PAGE)])) as StreamEntry[];
      const match = page.find(([, fields]) => field(fields, 'i') === eventId);
      if (match) return match[0];
      if (page.length < PAGE) return undefined;
      end = `(${page[page.length - 1]![0]}`;
    }
  }

  /** The entries from `start` on, `start` included, in pages; stops early once nobody waits. */
  private async readFrom(redis: ManagedRedisClient, start: string, batch: Request[]) {
    const read: { streamId: string; event: SseLoggedEvent }[] = [];
    let from = start;
    for (;;) {
      if (batch.every((request) => request.signal?.aborted)) return read;
      const page = (await redis.command(['XRANGE', this.source.key, from, '+', 'COUNT', String(PAGE)])) as StreamEntry[];
      for (const entry of page) read.push({ streamId: entry[0], event: toLoggedEvent(entry) });
      if (page.length < PAGE) return read;
      from = `(${page[page.length - 1]![0]}`;
    }
  }
}

export function toLoggedEvent([streamId, fields]: StreamEntry): SseLoggedEvent {
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

/** Rejects a request whose caller no longer waits for it, with the reason it gave up. */
function gaveUp(request: Request): boolean {
  if (!request.signal?.aborted) return false;
  request.reject(request.signal.reason);
  return true;
}

/** The oldest of stream ids `<ms>-<n>`, compared as the two numbers they are. */
function oldest(positions: string[]): string {
  const parts = (id: string) => id.split('-').map(BigInt) as [bigint, bigint];
  return positions.reduce((a, b) => {
    const [x, y] = [parts(a), parts(b)];
    return y[0] < x[0] || (y[0] === x[0] && y[1] < x[1]) ? b : a;
  });
}
