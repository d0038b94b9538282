import { HttpException, HttpStatus, NotAcceptableException, UnauthorizedException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsEventStream } from '../http/accept-header.js';
import { MAX_EVENT_ID_LENGTH } from '../wire/event-serializer.js';

const GET_ONLY: readonly string[] = ['GET'];
/** RFC 9110's token: what a method may be made of. */
const HTTP_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Throws the HttpException Nest should answer with when this request cannot become a stream:
 * before anything is written, so the app's exception filters shape the answer.
 */
export function assertStreamable(req: IncomingMessage, res: ServerResponse, methods: readonly string[]): void {
  if (res.headersSent) {
    throw new Error('SseService.connect() got a response whose headers were already sent; call it before anything writes to the response.');
  }
  if (!methods.includes(req.method ?? '')) {
    const allowed = methods.join(', ');
    res.setHeader('Allow', allowed);
    throw new HttpException(
      `This event stream is opened with ${allowed}; ${req.method} is not allowed here.`,
      HttpStatus.METHOD_NOT_ALLOWED,
    );
  }
  if (!acceptsEventStream(req.headers.accept)) {
    throw new NotAcceptableException('This route answers with text/event-stream, which the Accept header rules out.');
  }
}

/** The methods a connect() call accepts, upper-cased; a bad option fails the call, naming it. */
export function streamMethods(methods: readonly string[] | undefined): readonly string[] {
  if (methods === undefined) return GET_ONLY;
  const valid =
    Array.isArray(methods) && methods.length > 0 && methods.every((method) => typeof method === 'string' && HTTP_TOKEN.test(method));
  if (!valid) {
    throw new TypeError(
      `connect() options.methods must be a non-empty array of HTTP methods, e.g. ['POST']; got ${JSON.stringify(methods)}.`,
    );
  }
  return methods.map((method) => method.toUpperCase());
}

/** Epoch ms below this (March 1973) are taken for seconds: a JWT's `exp` passed as it is. */
const SECONDS_LOOK = 1e11;

/**
 * connect()'s expiresAt as epoch ms. A value that is not a time (or looks like seconds) fails the
 * call, naming it; one already past answers 401, as the guard would have, rather than opening a
 * stream that ends at once and comes back in a loop.
 */
export function expiryOf(expiresAt: Date | number | undefined): number | undefined {
  if (expiresAt === undefined) return undefined;
  const at = expiresAt instanceof Date ? expiresAt.getTime() : expiresAt;
  if (typeof at !== 'number' || !Number.isFinite(at) || at < SECONDS_LOOK) {
    throw new TypeError(
      `connect() options.expiresAt must be a Date or epoch milliseconds; got ${String(expiresAt)}. A JWT's exp is in seconds: multiply it by 1000.`,
    );
  }
  if (at <= Date.now()) {
    throw new UnauthorizedException('The credential this stream was asked with has expired (connect() options.expiresAt is past).');
  }
  return at;
}

/** Whether the request carried a Last-Event-ID at all, usable or not: its page had state to resume. */
export function sentLastEventId(req: IncomingMessage): boolean {
  const header = req.headers['last-event-id'];
  return typeof header === 'string' && header.trim() !== '';
}

/** One longer than any id this module sends was not sent by it: the client starts afresh. */
export function readLastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header !== 'string' || header.trim() === '' || header.length > MAX_EVENT_ID_LENGTH) return undefined;
  return header;
}
