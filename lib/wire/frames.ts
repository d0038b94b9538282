import { serializeComment, serializeEvent, serializeIdLine, serializeRetry } from './event-serializer.js';
import type { SseEvent } from './sse-event.js';

/**
 * Every frame this module writes, as the bytes that go on the wire. A frame is built once and
 * handed as is to every stream it goes to, so nothing here runs per client.
 */

/** One event, made once and written to every recipient as is. */
export function eventFrame(event: SseEvent): Buffer {
  return Buffer.from(serializeEvent(event));
}

/** A logged event: its id line, then the body the log keeps. */
export function loggedFrame(id: string, body: string): Buffer {
  return Buffer.from(serializeIdLine(id) + body);
}

/** `retry: <ms>`, alone. */
export function retryFrame(milliseconds: number): Buffer {
  return Buffer.from(serializeRetry(milliseconds));
}

/** A comment: `:` lines, which pages never see. */
export function commentFrame(text: string): Buffer {
  return Buffer.from(serializeComment(text));
}

/** What a connection turned away by maxClients gets: why, as a comment, and when to come back. */
export function retryLaterFrame(milliseconds: number): Buffer {
  return Buffer.from(`${serializeComment(`this server is at maxClients; retrying in ${milliseconds} ms`)}${serializeRetry(milliseconds)}`);
}

/** A frame that crossed the backplane as text. */
export function frameFromText(text: string): Buffer {
  return Buffer.from(text);
}
