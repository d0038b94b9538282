import type { SseMissedEvents } from '../event-log/event-log.interface.js';

/** A shared read no client has asked for in this long is dropped, with what it holds. */
export const SHARED_READ_IDLE = 1000;

type Read = SseMissedEvents | Promise<SseMissedEvents>;

/**
 * Replay reads shared by the clients of a reconnect storm: those that resume from the same
 * Last-Event-ID get the one read (single-flight), under way or done, and so the same array, whose
 * replay is then built once (see Replay.framesFor). A read is shared only until an event is logged
 * here or reaches this instance: one made before may lack that event, which a client registered
 * after it would then never get. (An event logged elsewhere and not yet here reaches the client
 * when it arrives.) One timer drops the reads nobody asks for any more.
 */
export class SharedReads {
  private readonly reads = new Map<string, { read: Read; used: number }>();
  private sweeper: NodeJS.Timeout | undefined;

  /** The read for `lastEventId`: a shared one, or `read()` made now and shared from now on. */
  get(lastEventId: string, read: () => Read): Read {
    const now = Date.now();
    const shared = this.reads.get(lastEventId);
    if (shared) {
      shared.used = now;
      return shared.read;
    }
    const made = read();
    this.reads.set(lastEventId, { read: made, used: now });
    this.sweeper ??= setInterval(() => this.sweep(), SHARED_READ_IDLE).unref();
    return made;
  }

  /** An event was logged or delivered: the reads made before it are not shared any more. */
  invalidate(): void {
    this.reads.clear();
  }

  private sweep(): void {
    const idleSince = Date.now() - SHARED_READ_IDLE;
    for (const [lastEventId, { used }] of this.reads) if (used < idleSince) this.reads.delete(lastEventId);
    // The timer stops here rather than on every invalidation, which a storm with traffic has per event.
    if (this.reads.size > 0) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
