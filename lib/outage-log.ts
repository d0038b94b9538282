import type { LoggerService } from '@nestjs/common';
import { messageOf } from './sse.errors.js';
import { callWithin, isThenable, type SseCallOptions } from './timeout.js';

/**
 * Logs a dependency going away once, and its return once, however many calls fail in between:
 * thousands of reconnects or events during an outage must not flood the log.
 */
export class OutageLog {
  private down = false;

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
    if (!isThenable(answer)) {
      this.recovered();
      return answer;
    }
    return answer.then(
      (value) => {
        this.recovered();
        return value;
      },
      (error: unknown) => {
        this.failed(error);
        throw error;
      },
    );
  }

  failed(error: unknown): void {
    if (this.down) return;
    this.down = true;
    this.logger.error(`${this.what} is unreachable (${messageOf(error)}). ${this.meanwhile} Logged once until it is back.`);
  }

  recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log(`${this.what} is reachable again.`);
  }
}
