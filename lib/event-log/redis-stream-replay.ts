import type { ManagedRedisClient } from '../redis/redis-client.js';
import type { SseCallOptions } from '../support/timeout.js';
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
  private readonly waiting = new Set<Request>();
  private reading = false;

  constructor(
    private readonly source: ReplaySource,
    private readonly redis: () => Promise<ManagedRedisClient>,
  ) {}

  since(lastEventId: string, options?: SseCallOptions): Promise<SseMissedEvents> {
    return new Promise((resolve, reject) => {
      const request: Request = { lastEventId, signal: options?.signal, resolve, reject };
      this.waiting.add(request);
      // A caller that gave up is let go at once, even while a read hangs (Redis does not answer):
      // the requests behind it must not pile up for good.
      request.signal?.addEventListener(
        'abort',
        () => {
          this.waiting.delete(request);
          gaveUp(request);
        },
        { once: true },
      );
      if (this.reading) return;
      this.reading = true;
      // After the connections that arrived together have all asked, so that they share the first read.
      setImmediate(() => void this.readAll());
    });
  }

  private async readAll(): Promise<void> {
    while (this.waiting.size > 0) {
      const batch = [...this.waiting].filter((request) => !gaveUp(request));
      this.waiting.clear();
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
    const callerIds = ids.filter((id) => !STREAM_ID.test(id));
    const [ofLog, ofCallers] = await Promise.all([
      Promise.all(ids.filter((id) => STREAM_ID.test(id)).map(async (id) => [id, await this.positionOf(redis, id)] as const)),
      callerIds.length === 0 ? new Map<string, string>() : this.scanForCallerIds(redis, new Set(callerIds)),
    ]);
    const positions = new Map<string, string | undefined>([...ofLog, ...ofCallers]);
    for (const [id, position] of positions) if (position !== undefined && this.source.isTooOld(position)) positions.set(id, undefined);
    return positions;
  }

  /**
   * An id shaped like the ones the log gives is looked up directly and never scanned for, so
   * resuming from one trimmed away, or made up, costs one lookup.
   */
  private async positionOf(redis: ManagedRedisClient, eventId: string): Promise<string | undefined> {
    const [entry] = (await redis.command(['XRANGE', this.source.key, eventId, eventId])) as StreamEntry[];
    return entry && field(entry[1], 'i') === undefined ? entry[0] : undefined;
  }

  /**
   * One scan for all the caller ids of a batch, newest first (a client resuming missed the latest
   * events, not the oldest), until each is found or the stream ends: made-up ids cost one scan
   * together, not one each.
   */
  private async scanForCallerIds(redis: ManagedRedisClient, wanted: Set<string>): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (!(await this.source.hasCallerIds(redis))) return found;
    let end = '+';
    for (;;) {
      const page = (await redis.command(['XREVRANGE', this.source.key, end, '-', 'COUNT', String(PAGE)])) as StreamEntry[];
      for (const [streamId, fields] of page) {
        const id = field(fields, 'i');
        if (id !== undefined && wanted.has(id) && !found.has(id)) found.set(id, streamId);
      }
      if (found.size === wanted.size || page.length < PAGE) return found;
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
