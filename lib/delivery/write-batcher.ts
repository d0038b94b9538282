interface Flushable {
  flush(): void;
}

/**
 * Flushes every client that has queued frames once, at the end of the current tick. One
 * scheduled callback serves all clients, however many events a burst holds.
 */
export class WriteBatcher {
  private queue: Flushable[] = [];
  private scheduled = false;

  schedule(client: Flushable): void {
    this.queue.push(client);
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(this.flushAll);
  }

  private readonly flushAll = (): void => {
    const queue = this.queue;
    this.queue = [];
    this.scheduled = false;
    for (const client of queue) client.flush();
  };
}
