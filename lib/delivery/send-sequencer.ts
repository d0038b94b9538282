import { isThenable } from '../support/timeout.js';

const DONE = Promise.resolve();

/**
 * Keeps sends in call order when some must first wait for an asynchronous event log to give
 * them an id. With nothing waiting, a ready value is delivered at once, in the caller's tick.
 */
export class SendSequencer {
  private tail: Promise<unknown> = DONE;
  private waiting = 0;

  /** Resolves once every send sequenced so far has been delivered or has failed. */
  idle(): Promise<unknown> {
    return this.tail;
  }

  /**
   * Calls `deliver` with `value` once every earlier send was delivered. Resolves once it has
   * been called: what `deliver` starts (a question to other instances) does not hold up the sends after it.
   */
  run<T>(value: T | PromiseLike<T>, deliver: (value: T) => void): Promise<void> {
    if (this.waiting === 0 && !isThenable(value)) {
      deliver(value);
      return DONE;
    }
    this.waiting++;
    // The tail first: a value that fails at once must not let the sends behind it overtake those ahead.
    const arriving = Promise.resolve(value);
    // Its failure is this send's, reported once the sends ahead have gone; not an unhandled one meanwhile.
    arriving.catch(() => undefined);
    const done = this.tail
      .then(() => arriving)
      .then((ready) => {
        // Not returned: what a delivery starts must not hold up the sends after it.
        deliver(ready);
      })
      .finally(() => this.waiting--);
    this.tail = done.catch(() => undefined);
    return done;
  }
}
