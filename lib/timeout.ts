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
  /** Epoch milliseconds (`Date.now()`) from which the caller no longer waits. */
  readonly deadline: number;
  /** Aborted at the deadline: work not begun by then can be dropped. */
  readonly signal: AbortSignal;
}

/**
 * Calls `call` with a deadline `milliseconds` away. A synchronous answer (or throw) is passed on
 * as it is; a promise settles like it, or rejects with SseTimeoutError at the deadline, when the
 * signal is aborted too. Never holds the process open.
 */
export function callWithin<T>(
  call: (options: SseCallOptions) => T | PromiseLike<T>,
  milliseconds: number,
  what: string,
): T | Promise<T> {
  const controller = new AbortController();
  const answer = call({ deadline: Date.now() + milliseconds, signal: controller.signal });
  if (!isThenable(answer)) return answer;
  return race(answer, milliseconds, what, (error) => controller.abort(error));
}

/** Settles like `work`, or rejects with SseTimeoutError after `milliseconds`; never holds the process open. */
export function withTimeout<T>(work: T | PromiseLike<T>, milliseconds: number, what: string): Promise<T> {
  if (!isThenable(work)) return Promise.resolve(work);
  return race(work, milliseconds, what);
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}

function race<T>(work: PromiseLike<T>, milliseconds: number, what: string, onTimeout?: (error: SseTimeoutError) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new SseTimeoutError(what, milliseconds);
      onTimeout?.(error);
      reject(error);
    }, milliseconds);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
