import { isThenable } from './timeout.js';

const DONE = Promise.resolve();

/**
 * Keeps sends in call order when some must first wait for an asynchronous event log to give
 * them an id. With nothing waiting, a ready value is delivered at once, in the caller's tick.
 */
export class SendQueue {
  private tail: Promise<unknown> = DONE;
  private waiting = 0;

  /** Resolves once every send queued so far has been delivered or has failed. */
  idle(): Promise<unknown> {
    return this.tail;
  }

  run<T>(value: T | PromiseLike<T>, deliver: (value: T) => void): Promise<void> {
    if (this.waiting === 0 && !isThenable(value)) {
      deliver(value);
      return DONE;
    }
    this.waiting++;
    const done = Promise.all([this.tail, value])
      .then(([, ready]) => deliver(ready))
      .finally(() => this.waiting--);
    this.tail = done.catch(() => undefined);
    return done;
  }
}
