/**
 * One timer for every client of a service, running only while clients are connected. It ticks
 * every half interval (see SseClient.keepalive). It is unref'd, so it never keeps a process alive.
 */
export class KeepaliveTimer {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly interval: number,
    private readonly tick: () => void,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(this.tick, Math.max(1, Math.floor(this.interval / 2)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
