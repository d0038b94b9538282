import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CLIENT_ID_PROVIDER } from '../sse.constants.js';
import type { ClientIdProvider } from './client-id-provider.interface.js';
import { CookieClientIdProvider } from './cookie-client-id.provider.js';

/**
 * Issues the CookieClientIdProvider's cookie with the page itself. A page that opens several
 * streams at once on a first visit would otherwise send them all without a cookie: each would get
 * an id and a Set-Cookie of its own, the browser would keep one, and the others would come back
 * under new ids after disconnect() and be let in. Apply it to the routes that serve such pages:
 * `consumer.apply(SseClientIdCookieMiddleware).forRoutes('app')`.
 */
@Injectable()
export class SseClientIdCookieMiddleware implements NestMiddleware {
  private readonly provider: CookieClientIdProvider;

  constructor(@Inject(CLIENT_ID_PROVIDER) provider: ClientIdProvider) {
    if (!(provider instanceof CookieClientIdProvider)) {
      throw new Error(
        `SseClientIdCookieMiddleware issues the cookie of CookieClientIdProvider, but ${CLIENT_ID_PROVIDER} is ` +
          `${provider?.constructor?.name ?? String(provider)}; set clientIdProvider: CookieClientIdProvider, or leave the middleware out.`,
      );
    }
    this.provider = provider;
  }

  use(req: IncomingMessage, res: ServerResponse, next: () => void): void {
    if (!res.headersSent) this.provider.issueCookie(req, res);
    next();
  }
}
