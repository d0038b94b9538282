import { HttpException, HttpStatus, NotAcceptableException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsEventStream } from '../http/accept-header.js';
import { MAX_EVENT_ID_LENGTH } from '../wire/event-serializer.js';

/**
 * Throws the HttpException Nest should answer with when this request cannot become a stream:
 * before anything is written, so the app's exception filters shape the answer.
 */
export function assertStreamable(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    throw new Error('SseService.connect() got a response whose headers were already sent; call it before anything writes to the response.');
  }
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    throw new HttpException(`An event stream is opened with GET; ${req.method} is not allowed here.`, HttpStatus.METHOD_NOT_ALLOWED);
  }
  if (!acceptsEventStream(req.headers.accept)) {
    throw new NotAcceptableException('This route answers with text/event-stream, which the Accept header rules out.');
  }
}

/** One longer than any id this module sends was not sent by it: the client starts afresh. */
export function readLastEventId(req: IncomingMessage): string | undefined {
  const header = req.headers['last-event-id'];
  if (typeof header !== 'string' || header.trim() === '' || header.length > MAX_EVENT_ID_LENGTH) return undefined;
  return header;
}
