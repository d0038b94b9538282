import type { Logger } from '@nestjs/common';
import type { SseClientFilter } from '../clients/client-events.js';
import type { ClientRegistry } from '../clients/client-registry.js';
import type { SseClient } from '../clients/sse-client.js';
import type { SseEventAudience, SseLoggedEvent } from '../event-log/event-log.interface.js';
import { EVENT_LOG } from '../sse.constants.js';
import { stackOf } from '../support/error-text.js';
import { loggedFrame } from '../wire/frames.js';
import type { SseEvent } from '../wire/sse-event.js';
import { reaches } from './audience.js';
import type { Encoded, EventEncoder } from './event-encoder.js';
import type { Replay } from './replay.js';
import type { SendSequencer } from './send-sequencer.js';

/**
 * Takes an event from a send to the queues of the clients it is for: encoded (and logged) once,
 * in call order, then routed to its audience here. Where else it goes (the backplane) is the
 * caller's, through `onEncoded`.
 */
export class Dispatcher {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly encoder: EventEncoder,
    private readonly sequencer: SendSequencer,
    private readonly replay: Replay,
    private readonly logger: Logger,
  ) {}

  /**
   * Encodes in call order, logs unless a filter picks recipients, then delivers here. A log that
   * delivers what it logged (SseEventLog.follow) does so itself, on every instance.
   */
  dispatch(event: SseEvent, audience: SseEventAudience, filter?: SseClientFilter, onEncoded?: (encoded: Encoded) => void): Promise<void> {
    return this.sequencer.run(this.encoder.encode(event, filter === undefined ? audience : undefined), (encoded) => {
      if (encoded.deliveredByLog) return;
      this.deliver(audience, encoded, filter);
      onEncoded?.(encoded);
    });
  }

  /** To one client of this instance, logged for it as `{ kind: 'client' }`. */
  sendTo(client: SseClient, event: SseEvent): Promise<void> {
    return this.sequencer.run(this.encoder.encode(event, { kind: 'client', clientId: client.id }), ({ frame, id, deliveredByLog }) => {
      if (!deliveredByLog) client.queue.enqueue(frame, id);
    });
  }

  /**
   * Logs an event for a client that is not here, so it gets it when it comes back with an earlier
   * id, then hands it `onward` (to the instances that may have it), in call order.
   */
  async forward<R>(clientId: string, event: SseEvent, onward: (encoded: Encoded) => R): Promise<R> {
    // Set once the sequencer gets to it; not awaited inside, so that the sends after it need not wait for `onward`.
    let result!: R;
    await this.sequencer.run(this.encoder.encode(event, { kind: 'client', clientId }), (encoded) => {
      result = onward(encoded);
    });
    return result;
  }

  /** Queues the frame for the audience's clients here, and holds it for those being resumed. */
  deliver(audience: SseEventAudience, { frame, id }: Encoded, filter?: SseClientFilter): void {
    if (audience.kind === 'client') {
      this.registry.get(audience.clientId)?.queue.enqueue(frame, id);
      return;
    }
    if (audience.kind === 'all' && filter === undefined) {
      for (const queue of this.registry.allQueues()) queue.enqueue(frame, id);
    } else {
      const clients = audience.kind === 'all' ? this.registry.values() : this.registry.members(audience.group);
      for (const client of clients) {
        if (filter === undefined || filter(client)) client.queue.enqueue(frame, id);
      }
    }
    if (this.replay.resuming.size > 0) this.holdForResuming(audience, frame, id, filter);
  }

  /**
   * An event that comes from elsewhere (another instance, or the log's tail): logged there, so a
   * replay read made here before it may lack it. Events sent here make the encoder say so as they
   * are logged (see EventEncoder's onLogged).
   */
  deliverArrived(audience: SseEventAudience, encoded: Encoded): void {
    this.replay.sawEvent();
    this.deliver(audience, encoded);
  }

  /** An event another instance sent to one client: queued if the client is here; false if not. */
  deliverTo(clientId: string, frame: Buffer, id: string | undefined): boolean {
    // Logged by the sender: a read made before may lack it, even if its client is not here yet.
    this.replay.sawEvent();
    return this.registry.get(clientId)?.queue.enqueue(frame, id) ?? false;
  }

  /** An event the log delivers (see SseEventLog.follow). One it cannot frame is logged, not thrown. */
  deliverLogged({ id, body, audience }: SseLoggedEvent): void {
    try {
      this.deliverArrived(audience, { frame: loggedFrame(id, body), id });
    } catch (error) {
      this.logger.error(`${EVENT_LOG} gave an event that cannot be written (id ${JSON.stringify(id)}).`, stackOf(error));
    }
  }

  /**
   * Clients being resumed hold what they are not meant for yet: their clientConnected$ handlers
   * have not run, and the groups they join there count when the hold is released.
   */
  private holdForResuming(audience: SseEventAudience, frame: Buffer, id: string | undefined, filter?: SseClientFilter): void {
    const meantFor = (client: SseClient) => reaches(audience, client, this.registry) && (filter === undefined || filter(client));
    for (const client of this.replay.resuming) {
      if (!meantFor(client)) client.queue.holdIfMeantFor(frame, id, () => meantFor(client));
    }
  }
}
