import { performance } from 'node:perf_hooks';

/** Thrown when a store, log or cluster call takes longer than its configured timeout. */
export class SseTimeoutError extends Error {
  constructor(what: string, milliseconds: number) {
    super(`${what} did not answer within ${milliseconds} ms.`);
    this.name = 'SseTimeoutError';
  }
}

/**
 * How long SseService waits for a call to an event log or a backplane. A call still unsettled at
 * `deadline` has failed as far as SseService is concerned, and it acts on that at once: an event
 * whose append timed out goes out without an id, a question nobody answered rejects. So a write
 * must not take effect after its deadline, or it takes effect twice: `RedisStreamEventLog` and
 * `RedisBackplane` let Redis itself refuse a command that reaches it too late.
 */
export interface SseCallOptions {
  /**
   * Epoch milliseconds (`Date.now()`) from which the caller may give up: a write must not take
   * effect after it. The caller waits longer only while it is itself too busy to read an answer.
   */
  readonly deadline: number;
  /** Aborted when the caller gives up: work not begun by then can be dropped. */
  readonly signal: AbortSignal;
}

/**
 * Calls `call` with a deadline `milliseconds` away. A synchronous answer (or throw) is passed on
 * as it is; a promise settles like it, or rejects with SseTimeoutError once the deadline has
 * passed (see race), when the signal is aborted too. Never holds the process open.
 */
export function callWithin<T>(call: (options: SseCallOptions) => T | PromiseLike<T>, milliseconds: number, what: string): T | Promise<T> {
  // Made when asked for: most calls (stores, in-memory logs) never look at the signal.
  let controller: AbortController | undefined;
  let expired: SseTimeoutError | undefined;
  const options = {
    deadline: Date.now() + milliseconds,
    get signal() {
      if (controller === undefined) {
        controller = new AbortController();
        if (expired) controller.abort(expired);
      }
      return controller.signal;
    },
  };
  const answer = call(options);
  if (!isThenable(answer)) return answer;
  return race(answer, milliseconds, what, (error) => {
    expired = error;
    controller?.abort(error);
  });
}

/** Settles like `work`, or rejects with SseTimeoutError after `milliseconds` (see race); never holds the process open. */
export function withTimeout<T>(work: T | PromiseLike<T>, milliseconds: number, what: string): Promise<T> {
  if (!isThenable(work)) return Promise.resolve(work);
  return race(work, milliseconds, what);
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

/**
 * How much longer than its timeout a call may wait while this process is too busy to read its
 * answer: a reconnect storm keeps the event loop fully busy for a second or more.
 */
const MAX_STRETCH = 5;

/**
 * A timeout counts the time this process spent waiting, not the time it was busy: a dependency
 * that answered while the event loop was working through a storm has not failed, it was not
 * heard yet. So the deadline moves on by the busy time, up to MAX_STRETCH times the timeout.
 */
function race<T>(work: PromiseLike<T>, milliseconds: number, what: string, onTimeout?: (error: SseTimeoutError) => void): Promise<T> {
  const began = performance.now();
  const startedBusy = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const expired = new Promise<never>((_, reject) => {
    const expire = () => {
      if (settled) return;
      const error = new SseTimeoutError(what, milliseconds);
      onTimeout?.(error);
      reject(error);
    };
    const check = () => {
      const elapsed = performance.now() - began;
      const waited = elapsed * (1 - performance.eventLoopUtilization(startedBusy).utilization);
      const cap = milliseconds * MAX_STRETCH - elapsed;
      if (waited < milliseconds && cap > 0) return arm(check, Math.min(milliseconds - waited, cap));
      // Timers run before I/O in each turn of the event loop: an answer that came in during
      // the last busy stretch would lose to its own timeout. Settling after this turn's I/O lets it win.
      setImmediate(expire);
    };
    const arm = (then: () => void, after: number) => {
      timer = setTimeout(then, after);
      timer.unref();
    };
    arm(check, milliseconds);
  });
  return Promise.race([work, expired]).finally(() => {
    settled = true;
    clearTimeout(timer);
  });
}
