import type { Logger } from '@nestjs/common';
import { type Observable, Subject } from 'rxjs';
import type { Replay } from '../delivery/replay.js';
import type { SseMissedEvents } from '../event-log/event-log.interface.js';
import { sentLastEventId } from '../handshake/admission-checks.js';
import { stackOf } from '../support/error-text.js';
import type { Metrics } from '../support/metrics.js';
import { isThenable } from '../support/timeout.js';
import type { SseClientConnectedEvent } from './client-events.js';
import { NO_REPLAY, type SseReplay } from './replay-hold.js';
import { ReplayPacer } from './replay-pacer.js';
import type { SseClient } from './sse-client.js';

export interface ClientWelcomeParts {
  replay: Replay;
  metrics: Metrics;
  logger: Logger;
  /** The resetEvent option's frame: first on a stream whose Last-Event-ID cannot be resumed from. */
  resetFrame?: Buffer;
}

/**
 * A new client's welcome: its replay read, `connected$` fired, then what it missed written ahead of
 * anything sent since. At once when the log answers at once and no storm is under way; otherwise
 * what is sent meanwhile is held, and in a storm the welcomes are paced over turns of the event loop.
 */
export class ClientWelcome {
  private readonly connected = new Subject<SseClientConnectedEvent>();
  /** The resetEvent as a replay, made once for every client it goes to. */
  private readonly reset?: SseReplay;
  private readonly pacer = new ReplayPacer();

  readonly connected$: Observable<SseClientConnectedEvent> = this.connected.asObservable();

  constructor(private readonly parts: ClientWelcomeParts) {
    if (parts.resetFrame) this.reset = { frames: [parts.resetFrame], ids: new Set() };
  }

  /** Read before the connected event, so events sent by its handlers are not replayed as well. */
  begin(client: SseClient): void {
    const missed = this.parts.replay.read(client.lastEventId);
    if (!isThenable(missed) && this.pacer.hasRoom) {
      this.pacer.run(() => this.welcomeOrReset(client, missed));
      return;
    }
    client.queue.startHold();
    this.parts.replay.resuming.add(client);
    // Replay.read never rejects: a log that fails means nothing to replay.
    void Promise.resolve(missed).then((events) => this.pacer.run(() => this.welcomeOrReset(client, events)));
  }

  complete(): void {
    this.connected.complete();
  }

  /** A welcome that throws (a bad id from a custom log, or a handler) lets the client in without a replay. */
  private welcomeOrReset(client: SseClient, missed: SseMissedEvents): number {
    try {
      return this.welcome(client, missed);
    } catch (error) {
      this.parts.logger.error(`Could not replay the events client ${client.id} missed.`, stackOf(error));
      client.queue.releaseHold(this.resetFor(client));
      return 0;
    }
  }

  /** A client that had a place in the stream it cannot resume from is told to start over. */
  private resetFor(client: SseClient): SseReplay {
    return this.reset && sentLastEventId(client.request) ? this.reset : NO_REPLAY;
  }

  /** Fires connected$ and writes the replay; returns the bytes queued, for the pacer. */
  private welcome(client: SseClient, missed: SseMissedEvents): number {
    this.parts.replay.resuming.delete(client);
    // A client that left while its replay was read gets neither event (see ClientLifecycle.end).
    if (!client.isConnected) return 0;
    this.connected.next({ client, request: client.request, lastEventId: client.lastEventId, resumed: missed !== undefined });
    // After it, so the groups its handlers joined count.
    const replay = missed ? this.parts.replay.framesFor(client, missed) : this.resetFor(client);
    this.parts.metrics.replayed(replay.ids.size);
    client.queue.releaseHold(replay);
    return replay.frames.reduce((bytes, frame) => bytes + frame.length, 0);
  }
}
