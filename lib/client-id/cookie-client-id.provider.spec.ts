import { describe, expect, it } from '@jest/globals';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CookieClientIdProvider, type CookieClientIdProviderOptions } from './cookie-client-id.provider.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => string | void;

/** Runs `handler` inside a real HTTP exchange and returns what the client received. */
async function exchange(handler: Handler, headers: Record<string, string> = {}) {
  let result: string | void = undefined;
  const server: Server = createServer((req, res) => {
    result = handler(req, res);
    if (!res.writableEnded) res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const setCookie = await new Promise<string[]>((resolve, reject) => {
      request({ port, host: '127.0.0.1', headers }, (res) => {
        res.resume();
        resolve(res.headers['set-cookie'] ?? []);
      })
        .on('error', reject)
        .end();
    });
    return { result, setCookie };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

const UUID = /^[0-9a-f-]{36}$/;

describe('CookieClientIdProvider', () => {
  const acquire = (options?: CookieClientIdProviderOptions) => {
    const provider = new CookieClientIdProvider(options);
    return (req: IncomingMessage, res: ServerResponse) => provider.acquireClientId(req, res);
  };


  it('hands out a new id in an HttpOnly, SameSite=Lax cookie on /', async () => {
    const { result, setCookie } = await exchange(acquire());
    expect(result).toMatch(UUID);
    expect(setCookie).toEqual([`sse_client_id=${result}; Path=/; HttpOnly; SameSite=Lax`]);
  });

  it('keeps the id the browser sends back, without setting the cookie again', async () => {
    const id = '0b7c3c1e-8d3f-4d59-9a4e-3a9a9f1c2b7d';
    const { result, setCookie } = await exchange(acquire(), { cookie: `other=1; sse_client_id=${id}; more=2` });
    expect(result).toBe(id);
    expect(setCookie).toEqual([]);
  });

  it.each(['', 'not-a-uuid', '0B7C3C1E-8D3F-4D59-9A4E-3A9A9F1C2B7D', "0b7c3c1e-8d3f-4d59-9a4e-3a9a9f1c2b7d' OR 1=1", 'x'.repeat(4000)])(
    'replaces a malformed cookie value %j with a fresh id',
    async (value) => {
      const { result, setCookie } = await exchange(acquire(), { cookie: `sse_client_id=${value}` });
      expect(result).toMatch(UUID);
      expect(result).not.toBe(value);
      expect(setCookie).toHaveLength(1);
    },
  );

  it('honours name, path, domain, maxAge, secure and sameSite', async () => {
    const { result, setCookie } = await exchange(
      acquire({ name: 'sid', path: '/events', domain: 'example.test', maxAge: 3600, secure: true, sameSite: 'Strict' }),
    );
    expect(setCookie).toEqual([`sid=${result}; Path=/events; HttpOnly; SameSite=Strict; Domain=example.test; Max-Age=3600; Secure`]);
  });

  it('marks the cookie Secure on TLS when secure is "auto"', async () => {
    const { setCookie } = await exchange((req, res) => {
      (req as IncomingMessage & { secure: boolean }).secure = true;
      return new CookieClientIdProvider().acquireClientId(req, res);
    });
    expect(setCookie[0]).toMatch(/; Secure$/);
  });

  it('adds to Set-Cookie headers set earlier instead of replacing them', async () => {
    const { setCookie } = await exchange((req, res) => {
      res.setHeader('Set-Cookie', 'session=abc');
      return new CookieClientIdProvider().acquireClientId(req, res);
    });
    expect(setCookie).toHaveLength(2);
    expect(setCookie[0]).toBe('session=abc');
  });

  it('deletes the cookie on release while headers can still be sent', async () => {
    const { setCookie } = await exchange((req, res) => new CookieClientIdProvider().releaseClientId('id', req, res));
    expect(setCookie).toEqual(['sse_client_id=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT']);
  });

  it('does nothing on release once headers are sent', async () => {
    let threw: unknown;
    const { setCookie } = await exchange((req, res) => {
      res.writeHead(200);
      res.write('streaming');
      try {
        new CookieClientIdProvider().releaseClientId('id', req, res);
        new CookieClientIdProvider().acquireClientId(req, res);
      } catch (error) {
        threw = error;
      }
    });
    expect(threw).toBeUndefined();
    expect(setCookie).toEqual([]);
  });

  it.each<[CookieClientIdProviderOptions, RegExp]>([
    [{ name: 'bad name' }, /not a valid cookie name/],
    [{ path: '/a; Domain=evil' }, /path .* contains/],
    [{ sameSite: 'None', secure: false }, /sameSite "None" needs a Secure cookie/],
    [{ maxAge: 0 }, /maxAge is in whole seconds/],
  ])('refuses options %j', (options, message) => {
    expect(() => new CookieClientIdProvider(options)).toThrow(message);
  });
});

describe('CookieClientIdProvider tabs', () => {
  const id = '0b7c3c1e-8d3f-4d59-9a4e-3a9a9f1c2b7d';
  const acquireAt = (path: string, options?: CookieClientIdProviderOptions) =>
    exchange((req, res) => {
      req.url = path;
      return new CookieClientIdProvider(options).acquireClientId(req, res);
    }, { cookie: `sse_client_id=${id}` });

  it('gives each tab of one browser its own id', async () => {
    expect((await acquireAt('/events?sse_tab=a1')).result).toBe(`${id}.a1`);
    expect((await acquireAt('/events?x=1&sse_tab=b2')).result).toBe(`${id}.b2`);
  });

  it.each(['/events', '/events?sse_tab=', '/events?sse_tab=has%20space', `/events?sse_tab=${'x'.repeat(65)}`])(
    'uses the browser id alone for %j',
    async (path) => {
      expect((await acquireAt(path)).result).toBe(id);
    },
  );

  it('honours a custom tab parameter, or none', async () => {
    expect((await acquireAt('/events?tab=t', { tabParam: 'tab' })).result).toBe(`${id}.t`);
    expect((await acquireAt('/events?sse_tab=t', { tabParam: false })).result).toBe(id);
  });
});
