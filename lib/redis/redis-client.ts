import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { OutageLog, type OutageVerdict } from '../support/outage-log.js';
import { messageOf } from '../support/error-text.js';
import { withTimeout } from '../support/timeout.js';
import { fromRedisTime, RedisClock } from './redis-clock.js';
import { createOwnClient, type SseRedisClient, type SseRedisConnectionOptions } from './redis-connection.js';

const CONNECT_WAIT = 2000;
const CLOSE_TIMEOUT = 1000;
/** The part of a command's time kept for its answer to travel back, after Redis's cutoff. */
const REPLY_SHARE = 10;

/**
 * Runs the command in ARGV[2..] only if Redis's clock has not yet passed ARGV[1] (ms), and says
 * what time it was. A command that waited out a hang in the socket reaches Redis after its
 * sender gave up on it; carried out then, it would take effect twice or stale.
 */
const BEFORE_DEADLINE = `local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
if now > tonumber(ARGV[1]) then return {now} end
return {now, redis.call(unpack(ARGV, 2))}`;
const BEFORE_DEADLINE_SHA = createHash('sha1').update(BEFORE_DEADLINE).digest('hex');

/** What a command that must not run late is sent with. */
export interface RedisDeadline {
  /** Epoch ms on this machine's clock after which the command must not run. */
  deadline: number;
  /** Aborted when the caller gives up: a command not yet written to the socket is then dropped. */
  signal?: AbortSignal;
}

/**
 * A Redis client that this package connects and watches: an outage is logged once, commands
 * fail fast while it lasts, node-redis reconnects (and resubscribes) by itself, and closing it
 * never waits on a Redis that hangs.
 */
export class ManagedRedisClient {
  readonly client: SseRedisClient;
  private readonly owned: boolean;
  private readonly outage: OutageLog;
  private readonly clock = new RedisClock();
  private readonly onError = (error: Error) => this.outage.failed(error);
  private readonly onReady = () => this.outage.recovered();
  private pending = 0;
  private settled?: () => void;
  private closing = false;

  private constructor(
    client: SseRedisClient,
    owned: boolean,
    private readonly what: string,
    meanwhile: string,
  ) {
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

  /** Starts connecting and waits 2 s at most, so that a Redis that is down delays startup without failing it; the outage is logged. */
  async connect(): Promise<void> {
    if (this.client.isOpen) return;
    const connected = this.client.connect();
    connected.catch(this.onError);
    await withTimeout(connected, CONNECT_WAIT, 'Redis').catch(this.onError);
  }

  /**
   * Reads Redis's clock, for a connection that will hand Redis deadlines (commandBefore), so that
   * its first one need not wait for a round trip. Best effort: the first commandBefore reads it otherwise.
   */
  async readClock(): Promise<void> {
    if (!this.client.isReady) return;
    await this.tellTime().catch(() => undefined);
  }

  /** For health checks: fails at once while the connection is down, rather than queueing a PING until it is back. */
  async ping(signal?: AbortSignal): Promise<void> {
    if (!this.client.isReady) throw new Error(`${this.what} is not connected to Redis.`);
    await this.command(['PING'], signal);
  }

  /** Sends a command; `signal` drops it if it is still queued, unwritten, when the caller gives up. */
  async command(args: string[], signal?: AbortSignal): Promise<unknown> {
    this.pending++;
    try {
      return await this.outage.watch(this.client.sendCommand(args, signal ? { abortSignal: signal } : undefined), (error) =>
        this.judge(error, signal),
      );
    } finally {
      if (--this.pending === 0) this.settled?.();
    }
  }

  /**
   * An error reply (NOSCRIPT, WRONGTYPE) comes from a Redis that answers. Closing rejects what is
   * still pending, and a caller that gave up drops what it had not sent yet: neither says anything.
   */
  private judge(error: unknown, signal: AbortSignal | undefined): OutageVerdict {
    if (isErrorReply(error)) return 'answered';
    return this.closing || signal?.aborted ? 'nothing' : 'down';
  }

  /**
   * Sends a command that Redis carries out only while its own clock is before `deadline` (less
   * a tenth of the time left, for the answer to come back). Rejects when Redis got it too late
   * and refused it.
   */
  async commandBefore(keys: string[], args: string[], { deadline, signal }: RedisDeadline, what: string): Promise<unknown> {
    if (!this.clock.known) await this.tellTime(signal);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`${what} was not sent: its deadline had passed before Redis's clock could be read.`);
    const cutoff = String(this.clock.toRedis(deadline - left / REPLY_SHARE));
    const tail = [String(keys.length), ...keys, cutoff, ...args];
    const reply = (await this.command(['EVALSHA', BEFORE_DEADLINE_SHA, ...tail], signal).catch((error: unknown) => {
      if (!messageOf(error).startsWith('NOSCRIPT')) throw error;
      return this.command(['EVAL', BEFORE_DEADLINE, ...tail], signal);
    })) as [number, unknown?];
    this.clock.observe(reply[0]);
    if (reply.length < 2) {
      throw new Error(
        `${what} reached Redis after its deadline, so Redis did not carry it out: Redis, or this busy process, ` +
          'was slower than storeTimeout (backplaneTimeout for the backplane). Check Redis latency and event-loop load, or raise the timeout.',
      );
    }
    return reply[1];
  }

  /**
   * Owned clients are closed once what is pending has settled, or after a second at most: a
   * Redis that hangs must not hold up shutdown, and its socket must not outlive the app.
   * `now` drops pending commands at once, e.g. a blocking read.
   */
  async close({ now = false } = {}): Promise<void> {
    this.closing = true;
    this.client.off('error', this.onError);
    this.client.off('ready', this.onReady);
    if (!this.owned) return;
    // Errors after this point belong to nobody; without a listener node-redis would crash the process.
    this.client.on('error', () => undefined);
    if (!now && this.pending > 0) {
      await withTimeout(new Promise<void>((resolve) => (this.settled = resolve)), CLOSE_TIMEOUT, 'Redis close').catch(() => undefined);
    }
    // Not client.close(): it marks the client closed at once, so a later destroy() does nothing,
    // and the socket stays open for as long as Redis leaves its commands unanswered.
    try {
      this.client.destroy();
    } catch {
      // Never connected, or already closed.
    }
  }

  /** One reading of Redis's clock, before the first deadline is handed to it. */
  private async tellTime(signal?: AbortSignal): Promise<void> {
    this.clock.observe(fromRedisTime(await this.command(['TIME'], signal)));
  }
}

/**
 * A reply Redis sent as an error. Told apart by class name, because the client may come from
 * another copy of node-redis than the one this package would import.
 */
function isErrorReply(error: unknown): boolean {
  for (let proto = Object.getPrototypeOf(error); proto !== null && proto !== undefined; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === 'ErrorReply') return true;
  }
  return false;
}
