import { NotFoundException } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientIdProvider } from 'nestjs-sse';

/** A request or response on either platform: Node's own, or Fastify's wrapper around it. */
export type Request = IncomingMessage | { raw: IncomingMessage };
export type Response = ServerResponse | { raw: ServerResponse };

/** The cookie CookieClientIdProvider keeps a browser's id in, by default. */
const COOKIE = /(?:^|;\s*)sse_client_id=/;

/** Node's own request or response, under Fastify's wrapper when there is one: what providers take. */
export function nodeOf<T extends IncomingMessage | ServerResponse>(value: T | { raw: T }): T {
  return 'raw' in value ? value.raw : value;
}

/**
 * The client id of a browser that has its cookie (with `?sse_tab=`, of that tab). Only then: asking
 * the provider without one would issue a new one, to a browser that never opened the page.
 */
export async function clientIdOf(clientIds: ClientIdProvider, req: Request, res: Response, missing: string): Promise<string> {
  if (!COOKIE.test(nodeOf(req).headers.cookie ?? '')) throw new NotFoundException(missing);
  return clientIds.acquireClientId(nodeOf(req), nodeOf(res));
}
