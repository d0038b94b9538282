import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CookieClientIdProvider, type CookieClientIdProviderOptions } from './cookie-client-id.provider.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Runs `handler` inside a real HTTP exchange and returns what the client received. */
async function exchange(handler: Handler, headers: Record<string, string> = {}, path = '/') {
  let result: unknown;
  const server: Server = createServer((req, res) => {
    result = handler(req, res);
    if (!res.writableEnded) res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const setCookie = await new Promise<string[]>((resolve, reject) => {
      request({ port, host: '127.0.0.1', headers, path }, (res) => {
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

  it("keeps the cookie on a tab's release, because the browser's other tabs share it", async () => {
    const { setCookie } = await exchange(
      (req, res) => new CookieClientIdProvider().releaseClientId('id.t1', req, res),
      {},
      '/events?sse_tab=t1',
    );
    expect(setCookie).toEqual([]);
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
    exchange(
      (req, res) => {
        req.url = path;
        return new CookieClientIdProvider(options).acquireClientId(req, res);
      },
      { cookie: `sse_client_id=${id}` },
    );

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

describe('CookieClientIdProvider with a secret', () => {
  const secret = 'a-secret-that-is-long-enough-0123456789';
  const older = 'an-older-secret-still-accepted-0123456789';
  const id = '0b7c3c1e-8d3f-4d59-9a4e-3a9a9f1c2b7d';
  const signed = (value: string, key = secret) => `${value}.${createHmac('sha256', key).update(value).digest('base64url')}`;
  const acquireWith = (cookie: string | undefined, options: CookieClientIdProviderOptions = { secret }) =>
    exchange(
      (req, res) => new CookieClientIdProvider(options).acquireClientId(req, res),
      cookie ? { cookie: `sse_client_id=${cookie}` } : {},
    );

  it('hands out a signed cookie whose id carries no signature', async () => {
    const { result, setCookie } = await acquireWith(undefined);
    expect(result).toMatch(UUID);
    expect(setCookie).toEqual([`sse_client_id=${signed(String(result))}; Path=/; HttpOnly; SameSite=Lax`]);
  });

  it('keeps an id whose signature checks out, without setting the cookie again', async () => {
    const { result, setCookie } = await acquireWith(signed(id));
    expect(result).toBe(id);
    expect(setCookie).toEqual([]);
  });

  it.each([
    ['an unsigned id', id],
    ['a signature made with another secret', signed(id, 'someone-elses-secret-0123456789abcdef')],
    ['a signature of another id', `${id}.${signed('11111111-2222-4333-8444-555555555555').split('.')[1]}`],
    ['a truncated signature', signed(id).slice(0, -2)],
    ['a signature with one character changed', signed(id).replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'))],
    ['an empty signature', `${id}.`],
  ])('gives a fresh id for %s', async (_, cookie) => {
    const { result, setCookie } = await acquireWith(cookie);
    expect(result).toMatch(UUID);
    expect(result).not.toBe(id);
    expect(setCookie[0]).toMatch(new RegExp(`^sse_client_id=${result}\\.[A-Za-z0-9_-]{43};`));
  });

  it('accepts a cookie signed with an older secret and signs it again with the first', async () => {
    const { result, setCookie } = await acquireWith(signed(id, older), { secret: [secret, older] });
    expect(result).toBe(id);
    expect(setCookie).toEqual([`sse_client_id=${signed(id)}; Path=/; HttpOnly; SameSite=Lax`]);
  });

  it('keeps tab ids apart under the signed browser id', async () => {
    const { result } = await exchange(
      (req, res) => {
        req.url = '/events?sse_tab=t1';
        return new CookieClientIdProvider({ secret }).acquireClientId(req, res);
      },
      { cookie: `sse_client_id=${signed(id)}` },
    );
    expect(result).toBe(`${id}.t1`);
  });

  it.each<[unknown]>([['short'], [[]], [[secret, 'short']], [[42]]])('refuses secret %j', (weak) => {
    expect(() => new CookieClientIdProvider({ secret: weak as string })).toThrow(/secret must be a string of at least 32 characters/);
  });
});
