/**
 * What a resuming client missed: the frames to write, in order, and the ids of the events in
 * them, so that a second, live copy of one is skipped. Shared by the clients of a reconnect
 * storm that resume alike, so nothing in it is changed.
 */
export interface SseReplay {
  readonly frames: readonly Buffer[];
  readonly ids: ReadonlySet<string>;
}

export const NO_REPLAY: SseReplay = { frames: [], ids: new Set() };

/**
 * How long a resumed client skips live copies of events its replay carried. A live copy can trail
 * the replay by the moment between an instance logging an event and publishing it.
 */
const REPLAY_OVERLAP = 10_000;

/** A frame held for after the replay; `meantFor` when the client may not be a recipient (yet). */
type HeldFrame = [frame: Buffer, id: string | undefined, meantFor?: () => boolean];

/**
 * The replay hold of one resuming client. While its replay is read, what is sent to it is held;
 * released, the replay goes out first, then the held frames it does not already carry. For a
 * while after that, live copies of replayed events are skipped. Made only for a client that
 * resumes, and dropped once it does nothing more.
 */
export class ReplayHold {
  private held: HeldFrame[] | undefined = [];
  private replayed?: ReadonlySet<string>;
  private until = 0;

  /** True until the replay is released. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** True once released and past the overlap: the hold can go. */
  get spent(): boolean {
    return this.held === undefined && (this.replayed === undefined || Date.now() > this.until);
  }

  /** Holds a frame for after the replay; with `meantFor`, it goes out then only if that holds. */
  hold(frame: Buffer, id: string | undefined, meantFor?: () => boolean): void {
    this.held?.push([frame, id, meantFor]);
  }

  /** Ends the hold: the frames to write now, the replay first, then what was held for this client. */
  release(replay: SseReplay): Buffer[] {
    const held = this.held ?? [];
    this.held = undefined;
    if (replay.ids.size > 0) {
      this.replayed = replay.ids;
      this.until = Date.now() + REPLAY_OVERLAP;
    }
    const ahead = [...replay.frames];
    for (const [frame, id, meantFor] of held) {
      if ((meantFor === undefined || meantFor()) && !this.repeats(id)) ahead.push(frame);
    }
    return ahead;
  }

  /** A live copy of an event the replay carried. */
  repeats(id: string | undefined): boolean {
    return id !== undefined && this.replayed !== undefined && Date.now() <= this.until && this.replayed.has(id);
  }
}
