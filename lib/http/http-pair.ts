import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as controllers receive it: Node's own (Express) or one that wraps it (Fastify). */
export type SseRequest = IncomingMessage | { raw: IncomingMessage };
/** A response as controllers receive it: Node's own (Express) or one that wraps it (Fastify). */
export type SseResponse = ServerResponse | { raw: ServerResponse; hijack?: () => unknown };

export interface HttpPair {
  req: IncomingMessage;
  res: ServerResponse;
  /** Tells the framework that we write the response ourselves from now on. */
  takeOver(): void;
}

export function toHttpPair(request: SseRequest, response: SseResponse): HttpPair {
  const req = unwrap(request) as IncomingMessage | undefined;
  const res = unwrap(response) as ServerResponse | undefined;
  if (typeof req?.headers !== 'object' || typeof res?.writeHead !== 'function') {
    throw new TypeError(
      'SseService.connect(req, res) needs the request and response of the route; ' +
        'take them with @Req() and @Res() in the controller method.',
    );
  }
  const wrapper = response as { hijack?: () => unknown };
  const takeOver = typeof wrapper.hijack === 'function' ? () => wrapper.hijack?.() : () => undefined;
  return { req, res, takeOver };
}

function unwrap(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'raw' in value ? value.raw : value;
}

/**
 * True once nothing more can reach the client: the response ended, or its connection (HTTP/1)
 * or stream (HTTP/2) is gone. Read through `req.socket`, which a pipelined response waiting its
 * turn already has, and which over HTTP/2 stands for the stream: `Http2ServerResponse` has no
 * `destroyed` of its own.
 */
export function isGone(res: ServerResponse): boolean {
  return res.writableEnded || res.destroyed === true || res.req?.socket?.destroyed === true;
}
