/**
 * One interval timer for every client of a service, running only while clients are connected.
 * It is unref'd, so it never keeps a process alive on its own.
 */
export class KeepaliveTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly interval: number,
    private readonly tick: () => void,
  ) {}

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(this.tick, this.interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
