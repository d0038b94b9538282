import type { LoggerService } from '@nestjs/common';
import { messageOf } from './error-text.js';
import { callWithin, isThenable, type SseCallOptions } from './timeout.js';

/**
 * What a failed call says of the dependency: it is `down`; it `answered`, with an error of its
 * own (Redis's error replies); or nothing, because the caller gave up or the app is closing.
 */
export type OutageVerdict = 'down' | 'answered' | 'nothing';

/**
 * Logs a dependency going away once, and its return once, however many calls fail in between:
 * thousands of reconnects or events during an outage must not flood the log. The one place that
 * tells whether a store, a log, the backplane or a Redis connection is reachable.
 */
export class OutageLog {
  private down = false;
  private why: string | undefined;
  private count = 0;

  constructor(
    private readonly logger: Pick<LoggerService, 'error' | 'log'>,
    private readonly what: string,
    private readonly meanwhile: string,
  ) {}

  /**
   * Calls the dependency with a deadline `timeout` ms away (see callWithin) and notes whether it
   * answered. A synchronous answer (an in-memory log) stays synchronous, and so does a throw.
   */
  track<T>(call: (options: SseCallOptions) => T | PromiseLike<T>, timeout: number, what: string): T | Promise<T> {
    let answer: T | Promise<T>;
    try {
      answer = callWithin(call, timeout, what);
    } catch (error) {
      this.failed(error);
      throw error;
    }
    if (isThenable(answer)) return this.watch(answer);
    this.recovered();
    return answer;
  }

  /** Settles like `answer`, noting what it says of the dependency; `judge` reads a failure. */
  async watch<T>(answer: PromiseLike<T>, judge: (error: unknown) => OutageVerdict = () => 'down'): Promise<T> {
    try {
      const value = await answer;
      this.recovered();
      return value;
    } catch (error) {
      const verdict = judge(error);
      if (verdict === 'down') this.failed(error);
      else if (verdict === 'answered') this.recovered();
      throw error;
    }
  }

  /** As of the last call: a dependency nothing has called for a while may have gone since. */
  get isDown(): boolean {
    return this.down;
  }

  /** The error that began the outage under way, if one is. */
  get reason(): string | undefined {
    return this.why;
  }

  /** Outages since startup. */
  get outages(): number {
    return this.count;
  }

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.why = messageOf(error);
    this.count++;
    this.logger.error(`${this.what} is unreachable (${this.why}). ${this.meanwhile} Logged once until it is back.`);
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.why = undefined;
    this.logger.log(`${this.what} is reachable again.`);
  }
}
