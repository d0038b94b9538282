/**
 * Replay bytes queued per turn of the event loop: at ~1 GB/s of socket writes, a few ms. In a
 * reconnect storm, the clients past it are welcomed in later turns, so timers and I/O run between.
 */
export const REPLAY_BYTES_PER_TURN = 4 * 1024 * 1024;

/**
 * Spreads the replays of a reconnect storm over turns of the event loop. A task runs at once while
 * this turn's budget lasts; past it, tasks wait for later turns, in order. Each task says how many
 * bytes it queued, and must not throw. Nothing is deferred outside a storm: one client's replay
 * always runs at once.
 */
export class ReplayPacer {
  private readonly waiting: (() => number)[] = [];
  private spent = 0;
  private scheduled = false;

  /** True while this turn may still queue a replay at once. */
  get hasRoom(): boolean {
    return this.waiting.length === 0 && this.spent < REPLAY_BYTES_PER_TURN;
  }

  run(task: () => number): void {
    if (this.hasRoom) this.spent += task();
    else this.waiting.push(task);
    this.nextTurn();
  }

  private nextTurn(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    this.spent = 0;
    let next = 0;
    try {
      while (next < this.waiting.length && this.spent < REPLAY_BYTES_PER_TURN) this.spent += this.waiting[next++]!();
    } finally {
      // One splice for the turn: shifting task by task would move the whole array each time.
      this.waiting.splice(0, next);
      // Another turn resets the budget, or runs what still waits.
      if (this.waiting.length > 0 || this.spent > 0) this.nextTurn();
    }
  };
}
