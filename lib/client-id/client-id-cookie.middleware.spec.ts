import { afterEach, describe, expect, it } from '@jest/globals';
import { loopback, type Loopback } from '../../test/utils/loopback.js';
import { SseClientIdCookieMiddleware } from './client-id-cookie.middleware.js';
import { CookieClientIdProvider } from './cookie-client-id.provider.js';
import { RandomClientIdProvider } from './random-client-id.provider.js';

describe('SseClientIdCookieMiddleware', () => {
  const exchanges: Loopback[] = [];
  const page = async (cookie?: string) => {
    const exchange = await loopback({ accept: 'text/html', ...(cookie && { cookie }) }, '/dashboard');
    exchanges.push(exchange);
    return exchange;
  };
  afterEach(async () => {
    await Promise.all(exchanges.splice(0).map((exchange) => exchange.close()));
  });

  it('gives a page without the cookie one, and leaves a valid one alone; then lets the request on', async () => {
    const provider = new CookieClientIdProvider({ path: '/events' });
    const middleware = new SseClientIdCookieMiddleware(provider);
    const first = await page();
    let passed = 0;
    middleware.use(first.req, first.res, () => passed++);
    const [cookie] = first.res.getHeader('set-cookie') as string[];
    expect(cookie).toMatch(/^sse_client_id=[0-9a-f-]{36}; Path=\/events; HttpOnly; SameSite=Lax$/);
    const again = await page(cookie!.split(';')[0]);
    middleware.use(again.req, again.res, () => passed++);
    expect(again.res.getHeader('set-cookie')).toBeUndefined();
    expect(passed).toBe(2);
  });

  it('fails at startup, saying what to do, when the ids do not come from CookieClientIdProvider', () => {
    expect(() => new SseClientIdCookieMiddleware(new RandomClientIdProvider())).toThrow(
      /issues the cookie of CookieClientIdProvider, but nestjs-sse:CLIENT_ID_PROVIDER is RandomClientIdProvider; set clientIdProvider/,
    );
  });
});
