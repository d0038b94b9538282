/** How long a bound stays the best one before a fresh observation replaces it, however low. */
const REFRESH = 30_000;

/**
 * Redis's clock as seen from this process, so that a deadline can be handed to Redis and checked
 * there, against its own time. Every reply that carries Redis's time bounds the offset between
 * the two clocks from below: the command ran before its answer came back. The best lower bound
 * is kept, so a deadline translated here is never later on Redis's clock than it is on ours.
 */
export class RedisClock {
  private offset?: number;
  private observedAt = 0;

  /** Redis said its time was `redisMs` in a reply that arrived here at `answeredAt` (`Date.now()`). */
  observe(redisMs: number, answeredAt = Date.now()): void {
    const lower = redisMs - answeredAt;
    // A bound that is not refreshed goes stale if either clock is stepped; a newer one wins then.
    if (this.offset === undefined || lower > this.offset || answeredAt - this.observedAt > REFRESH) {
      this.offset = lower;
      this.observedAt = answeredAt;
    }
  }

  /** Whether Redis has said its time yet. */
  get known(): boolean {
    return this.offset !== undefined;
  }

  /** `localMs` on Redis's clock, at the earliest; the same clock until Redis has answered once. */
  toRedis(localMs: number): number {
    return Math.floor(localMs + (this.offset ?? 0));
  }
}

/** Milliseconds since the epoch from a TIME reply: `[seconds, microseconds]`. */
export function fromRedisTime(reply: unknown): number {
  const [seconds, micros] = reply as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}
