import type { ClientLifecycle } from '../clients/client-lifecycle.js';
import type { ClientRegistry } from '../clients/client-registry.js';
import type { Dispatcher } from '../delivery/dispatcher.js';
import type { ReconnectInterval } from '../delivery/reconnect-interval.js';
import type { SseEventAudience } from '../event-log/event-log.interface.js';
import { frameFromText } from '../wire/frames.js';
import type { ClusterPeer } from './cluster-bus.js';
import type { ClusterQuestion } from './cluster-protocol.js';

/** This instance, as the others reach it over the backplane: their events, retry changes and questions. */
export class ClusterNode implements ClusterPeer {
  constructor(
    private readonly registry: ClientRegistry,
    private readonly dispatcher: Dispatcher,
    private readonly reconnectInterval: ReconnectInterval,
    private readonly lifecycle: ClientLifecycle,
  ) {}

  deliver(audience: SseEventAudience, frame: Buffer, id: string | undefined): void {
    this.dispatcher.deliverArrived(audience, { frame, id });
  }

  retry(frame: Buffer): void {
    this.reconnectInterval.change(frame);
  }

  /** This instance's part of the answer: 1 or 0 when asked about a client, its client count when asked to count. */
  async answer(question: ClusterQuestion): Promise<number> {
    if (question.k === 'count') return this.registry.count(question.g);
    if (question.k === 'send') return this.dispatcher.deliverTo(question.c, frameFromText(question.f), question.i) ? 1 : 0;
    const client = this.registry.get(question.c);
    if (!client) return 0;
    if (question.k === 'has') return 1;
    await this.lifecycle.disconnect(client);
    return 1;
  }
}
