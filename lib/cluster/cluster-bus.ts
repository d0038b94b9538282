import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SseBackplane } from '../backplane/backplane.interface.js';
import type { SseEventAudience } from '../event-log/event-log.interface.js';
import { BACKPLANE } from '../sse.constants.js';
import { messageOf, stackOf } from '../support/error-text.js';
import { OutageLog } from '../support/outage-log.js';
import { SseTimeoutError, withTimeout } from '../support/timeout.js';
import { frameFromText } from '../wire/frames.js';
import { type ClusterMessage, type ClusterQuestion, parseMessage, toWire } from './cluster-protocol.js';

/** What the bus needs from its instance (see ClusterNode): what to do with another instance's messages. */
export interface ClusterPeer {
  deliver(audience: SseEventAudience, frame: Buffer, id: string | undefined): void;
  retry(frame: Buffer): void;
  /** This instance's part of the answer: 1 or 0 for send, has and disconnect; its client count for count. */
  answer(question: ClusterQuestion): Promise<number>;
}

interface PendingAsk {
  answers: number[];
  errors: string[];
  expected?: number;
  /** An answer that settles the question before every instance has answered. */
  decisive?: (answer: number) => boolean;
  resolve(answers: number[]): void;
  reject(error: Error): void;
}

/**
 * SseService's messages over a backplane: events and retry changes are published for the other
 * instances; questions (is this client yours? how many clients?) are published and every
 * instance answers, the asker included with 0, because the asker does its own part locally.
 */
export class ClusterBus {
  private readonly instanceId = randomUUID();
  private readonly pending = new Map<number, PendingAsk>();
  private readonly logger = new Logger('SseService');
  /** The backplane's outages, read by getMetrics and the health check. */
  readonly outage = new OutageLog(
    this.logger,
    `The ${BACKPLANE}`,
    'Events reach only the clients of this instance, and disconnect/sendToClient/countClients for clients elsewhere fail.',
  );
  private asked = 0;

  constructor(
    private readonly backplane: SseBackplane,
    private readonly peer: ClusterPeer,
    private readonly timeout: number,
  ) {}

  start(): Promise<void> {
    return this.backplane.subscribe((message) => this.receive(message));
  }

  publishEvent(audience: SseEventAudience, frame: Buffer, id: string | undefined): void {
    this.post({ t: 'send', o: this.instanceId, a: audience, f: frame.toString(), i: id }).catch(() => undefined);
  }

  publishRetry(frame: Buffer): void {
    this.post({ t: 'retry', o: this.instanceId, f: frame.toString() }).catch(() => undefined);
  }

  /** True as soon as one instance answers 1; false when all answered 0. */
  async askAny(question: ClusterQuestion): Promise<boolean> {
    const answers = await this.ask(question, (answer) => answer > 0);
    return answers.some((answer) => answer > 0);
  }

  async askSum(question: ClusterQuestion): Promise<number> {
    const answers = await this.ask(question);
    return answers.reduce((sum, answer) => sum + answer, 0);
  }

  private ask(question: ClusterQuestion, decisive?: (answer: number) => boolean): Promise<number[]> {
    const r = ++this.asked;
    const answered = new Promise<number[]>((resolve, reject) => {
      this.pending.set(r, { answers: [], errors: [], decisive, resolve, reject });
    });
    this.post({ t: 'ask', o: this.instanceId, r, q: question }).then(
      (receivers) => this.expect(r, receivers),
      (error: Error) => this.fail(r, error),
    );
    return withTimeout(answered, this.timeout, `The other instances, asked over the ${BACKPLANE},`)
      .catch((error: Error) => {
        const ask = this.pending.get(r);
        if (error instanceof SseTimeoutError && ask) {
          error.message += ` ${ask.answers.length + ask.errors.length} of ${ask.expected ?? '?'} answered.`;
        }
        throw error;
      })
      .finally(() => this.pending.delete(r));
  }

  private expect(r: number, receivers: number): void {
    const ask = this.pending.get(r);
    if (!ask) return;
    ask.expected = receivers;
    this.settleIfDone(r, ask);
  }

  private fail(r: number, error: Error): void {
    this.pending.get(r)?.reject(new Error(`The ${BACKPLANE} could not reach the other instances: ${error.message}`, { cause: error }));
  }

  /** Anything else on the channel (another protocol, a version from a rolling deploy) is ignored. */
  private receive(raw: string): void {
    const message = parseMessage(raw);
    if (message === undefined) return;
    try {
      if (message.t === 'answer') this.collect(message);
      else if (message.t === 'ask') void this.reply(message);
      else if (message.o === this.instanceId) return;
      else if (message.t === 'send') this.peer.deliver(message.a, frameFromText(message.f), message.i);
      else this.peer.retry(frameFromText(message.f));
    } catch (error) {
      this.logger.error(`Could not handle a message from the ${BACKPLANE}.`, stackOf(error));
    }
  }

  private async reply(ask: Extract<ClusterMessage, { t: 'ask' }>): Promise<void> {
    const answer: { v?: number; e?: string } = {};
    try {
      answer.v = ask.o === this.instanceId ? 0 : await this.peer.answer(ask.q);
    } catch (error) {
      answer.e = messageOf(error);
    }
    await this.post({ t: 'answer', o: this.instanceId, to: ask.o, r: ask.r, ...answer }).catch(() => undefined);
  }

  private collect(answer: Extract<ClusterMessage, { t: 'answer' }>): void {
    const ask = answer.to === this.instanceId ? this.pending.get(answer.r) : undefined;
    if (!ask) return;
    if (answer.e !== undefined) ask.errors.push(answer.e);
    else ask.answers.push(answer.v ?? 0);
    if (answer.v !== undefined && ask.decisive?.(answer.v)) ask.resolve(ask.answers);
    else this.settleIfDone(answer.r, ask);
  }

  private settleIfDone(r: number, ask: PendingAsk): void {
    if (ask.expected === undefined || ask.answers.length + ask.errors.length < ask.expected) return;
    if (ask.errors.length > 0) ask.reject(new Error(`Another instance failed to answer (request ${r}): ${ask.errors[0]}`));
    else ask.resolve(ask.answers);
  }

  private post(message: ClusterMessage): Promise<number> {
    const text = toWire(message);
    return Promise.resolve(this.outage.track((options) => this.backplane.publish(text, options), this.timeout, BACKPLANE));
  }
}
