import type { Observable } from 'rxjs';

/** Resolves after `ms` milliseconds. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; rejects after `timeout` ms. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms: ${condition}`);
    await delay(10);
  }
}

/** Every value `source` emits from now on, in an array that fills as they come. */
export function collect<T>(source: Observable<T>): T[] {
  const values: T[] = [];
  source.subscribe((value) => values.push(value));
  return values;
}

/**
 * Conditions waiting on something that fills as data arrives (a stream's events): `notify` after
 * each arrival re-checks them; `until` resolves once `holds()` does, or rejects after `timeout` ms
 * saying what had arrived (`received()`).
 */
export class Conditions {
  private readonly checks = new Set<() => void>();

  readonly notify = (): void => this.checks.forEach((check) => check());

  until(holds: () => boolean, timeout: number, received: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.checks.delete(check);
        reject(new Error(`Stream condition not met within ${timeout} ms; received: ${received()}`));
      }, timeout);
      const check = () => {
        if (!holds()) return;
        clearTimeout(timer);
        this.checks.delete(check);
        resolve();
      };
      this.checks.add(check);
      check();
    });
  }
}
