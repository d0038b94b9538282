import type { ServerResponse } from 'node:http';
import { isGone } from '../http/http-pair.js';
import type { StreamWriter } from '../http/stream-writer.js';
import type { Metrics } from '../support/metrics.js';
import { ReplayHold, type SseReplay } from './replay-hold.js';

/** What every queue shares: one object for all clients, not one per client. */
export interface QueueSettings {
  /** A client with more than this many bytes written but not yet read is dropped when more is due. */
  readonly maxBufferedBytes: number;
  readonly metrics: Metrics;
  /** Flushes `queue` at the end of the current tick (see WriteBatcher). */
  schedule(queue: ClientQueue): void;
}

/**
 * The frames waiting for one stream. Frames queued within one tick leave in a single write, so a
 * burst of events costs one syscall per client rather than one per event. It also bounds what a
 * client that stops reading costs, counts quiet ticks for keepalives, and keeps the replay hold
 * while the client resumes.
 */
export class ClientQueue {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private quietTicks = 0;
  private open = true;
  private replay?: ReplayHold;

  constructor(
    private readonly response: ServerResponse,
    private readonly writer: StreamWriter,
    private readonly settings: QueueSettings,
    /** The client stopped reading (or reads too slowly): it is to be dropped rather than buffered for. */
    private readonly onOverflow: () => void,
  ) {}

  get isOpen(): boolean {
    return this.open;
  }

  /** Queues a frame; false once the stream has ended. `id` lets a resumed client skip a second copy. */
  enqueue(frame: Buffer, id?: string): boolean {
    if (!this.open) return false;
    const replay = this.replay;
    if (replay === undefined) this.push(frame);
    else if (replay.holding) replay.hold(frame, id);
    else if (!replay.repeats(id)) this.push(frame);
    return true;
  }

  /** While the replay is read: holds a frame the client may become a recipient of by then. */
  holdIfMeantFor(frame: Buffer, id: string | undefined, meantFor: () => boolean): void {
    if (this.replay?.holding) this.replay.hold(frame, id, meantFor);
  }

  /** Holds what is queued from now on until `releaseHold`, while the replay is read. */
  startHold(): void {
    this.replay = new ReplayHold();
  }

  /** Writes the replay ahead of everything queued or held so far: nothing of it has left yet. */
  releaseHold(replay: SseReplay): void {
    if (!this.open) return;
    const hold = this.replay ?? new ReplayHold();
    const ahead = hold.release(replay);
    this.replay = hold.spent ? undefined : hold;
    if (ahead.length === 0) return;
    const wasIdle = this.pending.length === 0;
    // Loops rather than unshift(...ahead), which overflows the stack on a long replay.
    const queued = this.pending.splice(0);
    for (const frame of ahead) this.pending.push(frame);
    for (const frame of queued) this.pending.push(frame);
    for (const frame of ahead) this.pendingBytes += frame.length;
    this.quietTicks = 0;
    if (wasIdle) this.settings.schedule(this);
  }

  /**
   * The last frame of the stream. A client whose replay is still being read gets it without what
   * was held for after the replay: writing that would move its Last-Event-ID past what it missed.
   */
  enqueueLast(frame: Buffer): void {
    if (!this.open) return;
    this.replay = undefined;
    this.push(frame);
  }

  /**
   * Called every half keepalive interval: queues `frame` on the second tick in a row with
   * nothing else queued, so a stream is never silent for longer than the interval.
   */
  keepalive(frame: Buffer): void {
    if (this.replay?.spent) this.replay = undefined;
    if (!this.open || ++this.quietTicks < 2) return;
    this.push(frame);
  }

  /**
   * Writes everything queued in one write, unless the client has not read what earlier writes
   * left: measured before writing, so one event larger than the cap still reaches a reader that
   * keeps up, and a stalled client holds at most the cap plus one tick's frames.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    if (this.writer.buffered > this.settings.maxBufferedBytes) {
      this.clear();
      this.onOverflow();
      return;
    }
    try {
      if (this.writer.writable) {
        this.writer.write(this.pending, this.pendingBytes);
        this.settings.metrics.wrote(this.pendingBytes);
      }
    } catch {
      // A write that throws leaves the stream unusable; closing it reports the client gone.
      this.response.destroy();
    }
    this.clear();
  }

  /** Writes what is queued and ends the response. False if the stream had already ended. */
  finish(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.flush();
    if (!isGone(this.response)) this.response.end();
    return true;
  }

  /** Drops what is queued: the client is gone, or too far behind to write to. False if it had already ended. */
  abandon(): boolean {
    if (!this.open) return false;
    this.open = false;
    this.clear();
    return true;
  }

  /** Reused rather than replaced: flush runs for every client on every tick with traffic. */
  private clear(): void {
    this.pending.length = 0;
    this.pendingBytes = 0;
  }

  private push(frame: Buffer): void {
    this.quietTicks = 0;
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (this.pending.length === 1) this.settings.schedule(this);
  }
}
