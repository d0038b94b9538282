import type { Encoded } from '../delivery/event-encoder.js';
import type { SseEventAudience } from '../event-log/event-log.interface.js';

/**
 * The messages instances exchange over the backplane, as JSON with one-letter keys. Instances of
 * the old and new code meet during a rolling deploy, so these keys never change without a new
 * message type (cluster-protocol.spec.ts holds one of each).
 */

/** What one instance asks all the others. */
export type ClusterQuestion =
  | { k: 'send'; c: string; f: string; i?: string }
  | { k: 'has'; c: string }
  | { k: 'disconnect'; c: string }
  | { k: 'count'; g?: string };

/** `o` is the sender's instance id; `r` numbers a question, and its answers carry it back (`to` the asker). */
export type ClusterMessage =
  | { t: 'send'; o: string; a: SseEventAudience; f: string; i?: string }
  | { t: 'retry'; o: string; f: string }
  | { t: 'ask'; o: string; r: number; q: ClusterQuestion }
  | { t: 'answer'; o: string; to: string; r: number; v?: number; e?: string };

/**
 * The question for a client that is not here: a log that delivers does so on the client's
 * instance, so the others are only asked who has it; otherwise they are given the frame.
 */
export function sendQuestion(clientId: string, { frame, id, deliveredByLog }: Encoded): ClusterQuestion {
  return deliveredByLog ? { k: 'has', c: clientId } : { k: 'send', c: clientId, f: frame.toString(), i: id };
}

export function toWire(message: ClusterMessage): string {
  return JSON.stringify(message);
}

/** Anything else on the channel (another protocol, a version from a rolling deploy) is undefined. */
export function parseMessage(raw: string): ClusterMessage | undefined {
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
