import type { IncomingMessage, ServerResponse } from 'node:http';
import { isGone } from './http/http-pair.js';
import type { StreamWriter } from './http/stream-writer.js';
import { SseClientNotConnectedError } from './sse.errors.js';
import type { SseEvent } from './sse-event.js';
import type { MetricsCounters } from './sse-metrics.js';

/** @internal What a client needs from the service that owns it. */
export interface SseClientOwner {
  /** Flush this client's queued frames at the end of the current tick. */
  schedule(client: SseClient): void;
  /** A client with more than this many bytes written but not yet read is dropped; see `overflowed`. */
  readonly maxBufferedBytes: number;
  readonly counters: MetricsCounters;
  /** This client stopped reading (or reads too slowly): drop it rather than buffer without bound. */
  overflowed(client: SseClient): void;
  /** Encodes the event (logging it when there is an event log) and queues it for this client, in call order. */
  send(client: SseClient, event: SseEvent): Promise<void>;
  disconnectClient(client: SseClient): Promise<void>;
}

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
 * How long a resumed client skips live copies of events its replay held. A live copy can trail
 * the replay by the moment between an instance logging an event and publishing it.
 */
const REPLAY_OVERLAP = 10_000;

/**
 * One open event stream. Frames queued within one tick leave in a single write, so a burst of
 * events costs one syscall per client rather than one per event.
 */
export class SseClient {
  /** Application state for this connection (user id, tenant, ...). Not kept across reconnects. */
  readonly properties = new Map<string, unknown>();
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private quietTicks = 0;
  private open = true;
  /**
   * Frames that arrive while the replay is being read, with their ids; see `hold`. Those with a
   * check were not meant for this client yet, and go out at resume only if the check then passes.
   */
  private held?: [frame: Buffer, id: string | undefined, meantFor?: () => boolean][];
  private replayed?: { ids: ReadonlySet<string>; until: number };

  /** @internal */
  constructor(
    readonly id: string,
    readonly request: IncomingMessage,
    /** The Last-Event-ID header this connection was opened with, if any. */
    readonly lastEventId: string | undefined,
    /** @internal */
    readonly response: ServerResponse,
    private readonly writer: StreamWriter,
    private readonly owner: SseClientOwner,
  ) {}

  get isConnected(): boolean {
    return this.open;
  }

  /** Queues one event. Rejects with SseClientNotConnectedError once the stream has ended. */
  async send(event: SseEvent): Promise<void> {
    if (!this.open) throw new SseClientNotConnectedError(this.id);
    return this.owner.send(this, event);
  }

  /** Ends the stream and refuses this client's reconnect; see SseService.disconnect. */
  disconnect(): Promise<void> {
    return this.owner.disconnectClient(this);
  }

  /**
   * @internal Queues an already encoded frame; false when the stream has ended. `id` is the
   * event's id when it was logged, so that a resumed client does not get it twice.
   */
  enqueue(frame: Buffer, id?: string): boolean {
    if (!this.open) return false;
    if (this.held !== undefined) this.held.push([frame, id]);
    else if (this.replayed === undefined || !this.wasReplayed(id)) this.push(frame);
    return true;
  }

  /**
   * @internal Queues the last frame of the stream (see SseService.onModuleDestroy). A client whose
   * replay is still being read gets it without the frames held for after the replay: writing
   * those would move its Last-Event-ID past the events it missed.
   */
  enqueueLast(frame: Buffer): void {
    if (!this.open) return;
    this.held = undefined;
    this.push(frame);
  }

  /** @internal Holds back what is queued from now on until `resume`, while the replay is read. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * @internal While held: keeps a frame this client is not (yet) a recipient of, because the
   * groups and properties its clientConnected$ handlers set may make it one by `resume`.
   */
  holdIf(frame: Buffer, id: string | undefined, meantFor: () => boolean): void {
    this.held?.push([frame, id, meantFor]);
  }

  /**
   * @internal Writes `replay` ahead of everything queued or held so far (nothing has left yet),
   * dropping held frames the replay already holds, and skips live copies of them for a while.
   */
  resume(replay: SseReplay): void {
    const held = this.held ?? [];
    this.held = undefined;
    if (!this.open) return;
    if (replay.ids.size > 0) this.replayed = { ids: replay.ids, until: Date.now() + REPLAY_OVERLAP };
    const ahead = [...replay.frames];
    for (const [frame, id, meantFor] of held) {
      if ((meantFor === undefined || meantFor()) && !this.wasReplayed(id)) ahead.push(frame);
    }
    if (ahead.length === 0) return;
    const wasIdle = this.pending.length === 0;
    // Loops rather than unshift(...ahead), which overflows the stack on a long replay.
    const queued = this.pending.splice(0);
    for (const frame of ahead) this.pending.push(frame);
    for (const frame of queued) this.pending.push(frame);
    for (const frame of ahead) this.pendingBytes += frame.length;
    this.quietTicks = 0;
    if (wasIdle) this.owner.schedule(this);
  }

  /**
   * @internal Called every half keepalive interval: queues `frame` on the second tick in a row
   * with nothing else queued, so a stream is never silent for longer than the interval.
   */
  keepalive(frame: Buffer): void {
    this.forgetExpiredReplay();
    if (!this.open || ++this.quietTicks < 2) return;
    this.push(frame);
  }

  /**
   * @internal Calls `onGone` once, when the response or the connection under it closes, and
   * resolves then. Both are watched: which of them reports first differs between HTTP/1 and
   * HTTP/2, Express and Fastify, and a connection that dies in mid-write.
   */
  watch(onGone: () => void): Promise<void> {
    const socket = this.request.socket;
    return new Promise((resolve) => {
      const gone = () => {
        this.response.off('close', gone);
        socket?.off('close', gone);
        onGone();
        resolve();
      };
      this.response.once('close', gone);
      socket?.once('close', gone);
    });
  }

  /**
   * @internal Writes everything queued so far in one write, unless the client has not read what
   * earlier writes left: measured before writing, so one event larger than the cap still reaches
   * a reader that keeps up, and a stalled client holds at most the cap plus one tick's frames.
   */
  flush(): void {
    if (this.pending.length === 0) return;
    if (this.writer.buffered > this.owner.maxBufferedBytes) {
      this.clearPending();
      this.owner.overflowed(this);
      return;
    }
    try {
      if (this.writer.writable) {
        this.writer.write(this.pending, this.pendingBytes);
        this.owner.counters.bytes += this.pendingBytes;
      }
    } catch {
      // A write that throws leaves the stream unusable; closing it reports the client gone.
      this.response.destroy();
    }
    this.clearPending();
  }

  /**
   * @internal Marks the client gone. With `endStream`, queued frames are written and the
   * response is ended; otherwise they are dropped. False if it was already closed.
   */
  close(endStream: boolean): boolean {
    if (!this.open) return false;
    this.open = false;
    if (!endStream) this.clearPending();
    else {
      this.flush();
      if (!isGone(this.response)) this.response.end();
    }
    return true;
  }

  private wasReplayed(id: string | undefined): boolean {
    if (this.replayed === undefined || id === undefined) return false;
    this.forgetExpiredReplay();
    return this.replayed?.ids.has(id) ?? false;
  }

  private forgetExpiredReplay(): void {
    if (this.replayed !== undefined && Date.now() > this.replayed.until) this.replayed = undefined;
  }

  /** Reused rather than replaced: flush runs for every client on every tick with traffic. */
  private clearPending(): void {
    this.pending.length = 0;
    this.pendingBytes = 0;
  }

  private push(frame: Buffer): void {
    this.quietTicks = 0;
    this.pending.push(frame);
    this.pendingBytes += frame.length;
    if (this.pending.length === 1) this.owner.schedule(this);
  }
}
