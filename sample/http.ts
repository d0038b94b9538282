import type { IncomingMessage, ServerResponse } from 'node:http';

/** Node's own request or response, under Fastify's wrapper when there is one: what providers take. */
export function nodeOf<T extends IncomingMessage | ServerResponse>(value: T | { raw: T }): T {
  return 'raw' in value ? value.raw : value;
}
