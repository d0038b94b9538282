import { HttpException, HttpStatus, NotAcceptableException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acceptsEventStream } from './accept-header.js';

/** Throws the HttpException Nest should answer with when this request cannot become a stream. */
export function assertStreamable(req: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    throw new Error(
      'SseService.connect() got a response whose headers were already sent; ' + 'call it before anything writes to the response.',
    );
  }
  if (req.method !== 'GET') {
    res.setHeader('Allow', 'GET');
    throw new HttpException(`An event stream is opened with GET; ${req.method} is not allowed here.`, HttpStatus.METHOD_NOT_ALLOWED);
  }
  if (!acceptsEventStream(req.headers.accept)) {
    throw new NotAcceptableException('This route answers with text/event-stream, which the Accept header rules out.');
  }
}

/**
 * Sends the status and headers at once so the client's `open` fires before any event. Headers
 * that middleware set earlier (CORS, Set-Cookie from the id provider) go out with them.
 */
export function writeStreamHead(req: IncomingMessage, res: ServerResponse, firstFrame?: Buffer): void {
  res.setHeader('Content-Type', 'text/event-stream');
  // no-transform keeps compression middleware and proxies from buffering the stream.
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
  // Connection is left to Node, which says keep-alive unless the client asked to close or the
  // body ends with the connection (HTTP/1.0); claiming keep-alive then would make the client
  // reuse a connection the server is closing, and its next request would get a 400.
  res.removeHeader('Content-Length');
  res.writeHead(200);
  tuneSocket(req);
  if (firstFrame) res.write(firstFrame);
  else res.flushHeaders();
}

export function writeNoContent(res: ServerResponse): void {
  res.writeHead(204);
  res.end();
}

function tuneSocket(req: IncomingMessage): void {
  const socket = req.socket;
  if (!socket || typeof socket.setNoDelay !== 'function') return;
  socket.setNoDelay(true);
  socket.setKeepAlive(true);
  // An idle stream between keepalives must not trip a socket timeout.
  socket.setTimeout(0);
}
