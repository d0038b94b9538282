import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SseEventAudience } from '../event-log/event-log.interface.js';
import { OutageLog } from '../outage-log.js';
import { BACKPLANE } from '../sse.constants.js';
import { messageOf, stackOf } from '../sse.errors.js';
import { callWithin, SseTimeoutError, withTimeout } from '../timeout.js';
import type { SseBackplane } from './backplane.interface.js';

/** What one instance asks all the others. */
export type ClusterQuestion =
  | { k: 'send'; c: string; f: string; i?: string }
  | { k: 'has'; c: string }
  | { k: 'disconnect'; c: string }
  | { k: 'count'; g?: string };

type ClusterMessage =
  | { t: 'send'; o: string; a: SseEventAudience; f: string; i?: string }
  | { t: 'retry'; o: string; f: string }
  | { t: 'ask'; o: string; r: number; q: ClusterQuestion }
  | { t: 'answer'; o: string; to: string; r: number; v?: number; e?: string };

/** What the bus needs from the SseService of its instance. */
export interface ClusterNode {
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
  private readonly outage = new OutageLog(
    this.logger,
    `The ${BACKPLANE}`,
    'Events reach only the clients of this instance, and disconnect/sendToClient/countClients for clients elsewhere fail.',
  );
  private asked = 0;

  constructor(
    private readonly backplane: SseBackplane,
    private readonly node: ClusterNode,
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
    const message = parse(raw);
    if (message === undefined) return;
    try {
      if (message.t === 'answer') this.collect(message);
      else if (message.t === 'ask') void this.reply(message);
      else if (message.o === this.instanceId) return;
      else if (message.t === 'send') this.node.deliver(message.a, Buffer.from(message.f), message.i);
      else this.node.retry(Buffer.from(message.f));
    } catch (error) {
      this.logger.error(`Could not handle a message from the ${BACKPLANE}.`, stackOf(error));
    }
  }

  private async reply(ask: Extract<ClusterMessage, { t: 'ask' }>): Promise<void> {
    const answer: { v?: number; e?: string } = {};
    try {
      answer.v = ask.o === this.instanceId ? 0 : await this.node.answer(ask.q);
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

  private async post(message: ClusterMessage): Promise<number> {
    try {
      const text = JSON.stringify(message);
      const receivers = await callWithin((options) => this.backplane.publish(text, options), this.timeout, BACKPLANE);
      this.outage.recovered();
      return receivers;
    } catch (error) {
      this.outage.failed(error);
      throw error;
    }
  }
}

function parse(raw: string): ClusterMessage | undefined {
  let message: Partial<Record<string, unknown>> | null;
  try {
    message = JSON.parse(raw) as Partial<Record<string, unknown>> | null;
  } catch {
    return undefined;
  }
  if (message === null || typeof message !== 'object' || typeof message.o !== 'string') return undefined;
  const valid =
    (message.t === 'send' && typeof message.f === 'string' && isAudience(message.a)) ||
    (message.t === 'retry' && typeof message.f === 'string') ||
    (message.t === 'ask' && typeof message.r === 'number' && isQuestion(message.q)) ||
    (message.t === 'answer' && typeof message.r === 'number' && typeof message.to === 'string');
  return valid ? (message as ClusterMessage) : undefined;
}

function isAudience(value: unknown): value is SseEventAudience {
  const audience = value as Partial<Record<string, unknown>> | null;
  if (typeof audience !== 'object' || audience === null) return false;
  if (audience.kind === 'all') return true;
  if (audience.kind === 'group') return typeof audience.group === 'string';
  return audience.kind === 'client' && typeof audience.clientId === 'string';
}

function isQuestion(value: unknown): value is ClusterQuestion {
  const question = value as Partial<Record<string, unknown>> | null;
  if (typeof question !== 'object' || question === null) return false;
  if (question.k === 'count') return question.g === undefined || typeof question.g === 'string';
  if (question.k === 'disconnect' || question.k === 'has') return typeof question.c === 'string';
  return question.k === 'send' && typeof question.c === 'string' && typeof question.f === 'string';
}
