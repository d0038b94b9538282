/** How finely deadlines are kept: a stream ends within this many ms after its own. */
export const DEADLINE_RESOLUTION = 100;

/** maxConnectionAge is jittered by ±10% per stream, so that streams opened together do not end together. */
const AGE_JITTER = 0.1;

/**
 * When streams must end: at an age (maxConnectionAge) or when the credential that opened them
 * expires (connect()'s expiresAt). One timer serves every stream, ticking only while some stream
 * has a deadline; streams sit in buckets by the tick they end on, so adding and removing one costs
 * the same at ten clients as at ten thousand, and nothing is kept for one that has ended.
 */
export class StreamDeadlines<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly tickOf = new Map<T, number>();
  private timer: NodeJS.Timeout | undefined;
  /** The first tick not yet run. */
  private nextTick = 0;

  constructor(
    private readonly maxAge: number | undefined,
    private readonly onDue: (stream: T) => void,
  ) {}

  /** Streams with a deadline now. */
  get size(): number {
    return this.tickOf.size;
  }

  /** Gives a stream opened now its deadline: the sooner of its jittered age and `expiresAt` (epoch ms). */
  track(stream: T, expiresAt?: number): void {
    const now = Date.now();
    const aged = this.maxAge === undefined ? Infinity : now + this.maxAge * (1 - AGE_JITTER + 2 * AGE_JITTER * Math.random());
    const at = Math.min(aged, expiresAt ?? Infinity);
    if (at === Infinity) return;
    this.start(now);
    const tick = Math.max(this.nextTick, Math.ceil(at / DEADLINE_RESOLUTION));
    const bucket = this.buckets.get(tick) ?? new Set<T>();
    this.buckets.set(tick, bucket);
    bucket.add(stream);
    this.tickOf.set(stream, tick);
  }

  /** A stream that ended: forgotten, and the timer stopped with the last one. */
  forget(stream: T): void {
    const tick = this.tickOf.get(stream);
    if (tick === undefined) return;
    this.tickOf.delete(stream);
    // Its bucket may be gone already: the tick that is running took it out.
    const bucket = this.buckets.get(tick);
    bucket?.delete(stream);
    if (bucket?.size === 0) this.buckets.delete(tick);
    if (this.tickOf.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private start(now: number): void {
    if (this.timer) return;
    this.nextTick = Math.floor(now / DEADLINE_RESOLUTION) + 1;
    // Unref'd: a deadline never keeps a process alive.
    this.timer = setInterval(() => this.run(), DEADLINE_RESOLUTION).unref();
  }

  /** Every tick up to now, the missed ones too when the event loop was held up. */
  private run(): void {
    const now = Math.floor(Date.now() / DEADLINE_RESOLUTION);
    for (; this.nextTick <= now && this.timer; this.nextTick++) {
      const due = this.buckets.get(this.nextTick);
      if (!due) continue;
      this.buckets.delete(this.nextTick);
      for (const stream of due) {
        this.tickOf.delete(stream);
        this.onDue(stream);
      }
    }
    if (this.tickOf.size === 0) this.stop();
  }
}
