/** Thrown when a store, log or cluster call takes longer than its configured timeout. */
export class SseTimeoutError extends Error {
  constructor(what: string, milliseconds: number) {
    super(`${what} did not answer within ${milliseconds} ms.`);
    this.name = 'SseTimeoutError';
  }
}

/** Settles like `work`, or rejects with SseTimeoutError after `milliseconds`; never holds the process open. */
export function withTimeout<T>(work: T | PromiseLike<T>, milliseconds: number, what: string): Promise<T> {
  if (!isThenable(work)) return Promise.resolve(work);
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SseTimeoutError(what, milliseconds)), milliseconds);
    timer.unref();
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
