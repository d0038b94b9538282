import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { type ArgumentsHost, Catch, type INestApplication, Logger, UnauthorizedException } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ClientIdProvider, CookieClientIdProvider, InMemoryEventLog, type SseEvent } from '../../lib/index.js';
import { openRawStream, type RawStream, StreamPool, sendRequest } from '../utils/raw-stream.js';
import { ControllableStore, cookieOf, RecordingCookieProvider } from '../utils/recording-providers.js';
import { connectionCount, type SseApp, type SseAppOptions, startSseApp, TRANSPORT } from '../utils/sse-app.js';
import { collect, delay, waitFor } from '../utils/wait.js';

/** Lets a test hold a provider or store call open until it says so. */
function gate() {
  let open!: () => void;
  let entered!: () => void;
  const reached = new Promise<void>((resolve) => (entered = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  const pass = () => {
    entered();
    return opened;
  };
  return { reached, open, pass };
}

/** Keeps what Nest's exception handling was given, then answers as Nest would. */
@Catch()
class RecordingFilter extends BaseExceptionFilter {
  readonly caught: unknown[] = [];

  override catch(exception: unknown, host: ArgumentsHost): void {
    this.caught.push(exception);
    super.catch(exception, host);
  }
}

describe('bad input', () => {
  let sseApp: SseApp;
  /** A well-behaved client that every case must leave alone. */
  let bystander: RawStream;
  let marks = 0;
  const streams = new StreamPool();
  afterEach(async () => {
    jest.restoreAllMocks();
    streams.closeAll();
    bystander?.close();
    await sseApp?.close();
  });

  async function start(options: SseAppOptions): Promise<SseApp> {
    sseApp = await startSseApp({ ...options, sse: { keepalive: false, ...options.sse } });
    bystander = await openRawStream(`${sseApp.url}/events`);
    return sseApp;
  }

  async function expectBystanderServed(): Promise<void> {
    const mark = `still served ${++marks}`;
    await sseApp.sse.broadcast(mark);
    await bystander.until((stream) => stream.events.some((event) => event.data === mark));
  }

  describe('Last-Event-ID', () => {
    it.each([
      ['garbage', 'not-an-id-this-log-gave'],
      ['out of range for a stream id', '99999999999999999999999-0'],
      ['latin-1 bytes', '\u00ff\u00fe\u00e9'],
      ['just over the length limit', 'x'.repeat(1025)],
    ])('%s: the client starts afresh, unresumed', async (_, lastEventId) => {
      const log = new InMemoryEventLog();
      await start({ sse: { eventLog: log } });
      await sseApp.sse.broadcast('before');
      const since = jest.spyOn(log, 'since');
      const connected = collect(sseApp.sse.clientConnected$);
      const stream = await openRawStream(`${sseApp.url}/events`, {
        headers: { accept: 'text/event-stream', 'last-event-id': lastEventId },
      });
      expect(stream.status).toBe(200);
      await waitFor(() => connected.length === 1);
      expect(connected[0]!.resumed).toBe(false);
      // An id longer than any this module sends is not even looked up.
      const lookedUp = lastEventId.length <= 1024;
      expect(connected[0]!.lastEventId).toBe(lookedUp ? lastEventId : undefined);
      expect(since.mock.calls.map(([id]) => id)).toEqual(lookedUp ? [lastEventId] : []);
      await expectBystanderServed();
      // Nothing was replayed: the first event it gets is the live one.
      await stream.until((s) => s.events.length === 1);
      expect(stream.events[0]!.data).toMatch(/^still served/);
      stream.close();
    });

    it('20 KB long: refused by HTTP/1.1 with 431; over h2, which takes 64 KB of headers, never looked up', async () => {
      const log = new InMemoryEventLog();
      await start({ sse: { eventLog: log } });
      const since = jest.spyOn(log, 'since');
      const stream = await streams.open(`${sseApp.url}/events`, 1, {
        headers: { accept: 'text/event-stream', 'last-event-id': 'x'.repeat(20_000) },
      });
      if (TRANSPORT === 'h2') {
        expect(stream[0]!.status).toBe(200);
        expect(sseApp.sse.getClients().map((client) => client.lastEventId)).toEqual([undefined, undefined]);
        expect(since).not.toHaveBeenCalled();
      } else {
        expect(stream[0]!.status).toBe(431);
        expect(sseApp.sse.getClients()).toHaveLength(1);
      }
      await expectBystanderServed();
    });
  });

  describe('cookies', () => {
    it.each([
      ['malformed', 'sse_client_id=%%%; other=1'],
      ['a quoted non-uuid', 'sse_client_id="1234"'],
      ['repeated', 'sse_client_id=a; sse_client_id=b'],
      ['near the size limit', `sse_client_id=${'a'.repeat(8000)}`],
    ])('%s: a fresh id in a new cookie', async (_, cookie) => {
      await start({ sse: { clientIdProvider: CookieClientIdProvider } });
      const stream = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
      expect(stream.status).toBe(200);
      const [setCookie] = stream.headers['set-cookie'] ?? [];
      expect(setCookie).toMatch(/^sse_client_id=[0-9a-f-]{36};/);
      expect(sseApp.sse.getClients()).toHaveLength(2);
      await expectBystanderServed();
      stream.close();
    });

    it.each([
      ['without a secret, a client that knows an id can take it over', undefined, ['replaced']],
      ['with a secret, a forged cookie gets an id of its own', 'a-secret-that-is-long-enough-0123456789', []],
    ])('%s', async (_, secret, reasons) => {
      await start({ sse: { clientIdProvider: new CookieClientIdProvider({ secret }) } });
      const victim = sseApp.sse.getClients()[0]!;
      const disconnected = collect(sseApp.sse.clientDisconnected$);
      for (const forged of [victim.id, `${victim.id}.forged-signature`]) {
        const [stream] = await streams.open(`${sseApp.url}/events`, 1, {
          headers: { accept: 'text/event-stream', cookie: `sse_client_id=${forged}` },
        });
        expect(stream!.status).toBe(200);
      }
      await waitFor(() => disconnected.length >= reasons.length);
      expect(disconnected.map(({ client, reason }) => [client, reason])).toEqual(reasons.map((reason) => [victim, reason]));
      if (secret !== undefined) {
        expect(victim.isConnected).toBe(true);
        await expectBystanderServed();
      }
    });

    it('20 KB long: refused by HTTP/1.1 with 431; over h2, which takes 64 KB of headers, a fresh id', async () => {
      await start({ sse: { clientIdProvider: CookieClientIdProvider } });
      const [stream] = await streams.open(`${sseApp.url}/events`, 1, {
        headers: { accept: 'text/event-stream', cookie: `sse_client_id=${'a'.repeat(20_000)}` },
      });
      if (TRANSPORT === 'h2') {
        expect(stream!.status).toBe(200);
        expect(stream!.headers['set-cookie']?.[0]).toMatch(/^sse_client_id=[0-9a-f-]{36};/);
        expect(sseApp.sse.getClients()).toHaveLength(2);
      } else {
        expect(stream!.status).toBe(431);
        expect(sseApp.sse.getClients()).toHaveLength(1);
      }
      await expectBystanderServed();
    });
  });

  describe('a request aborted mid-handshake', () => {
    it.each(['the id provider', 'the store'])('while %s is asked: nothing registered, the id released', async (where) => {
      const held = gate();
      const provider = new RecordingCookieProvider();
      const store = new ControllableStore();
      if (where === 'the id provider') {
        const acquire = provider.acquireClientId.bind(provider);
        (provider as ClientIdProvider).acquireClientId = async (req: IncomingMessage, res: ServerResponse) => {
          const id = acquire(req, res);
          if (req.headers['x-hold'] !== undefined) await held.pass();
          return id;
        };
      } else {
        const contains = store.containsClientId.bind(store);
        store.containsClientId = async (id: string) => {
          if (sseApp.sse.getClients().length > 0) await held.pass();
          return contains(id);
        };
      }
      await start({ sse: { clientIdProvider: provider, noReconnectStore: store } });
      const events = [...collect(sseApp.sse.clientConnected$), ...collect(sseApp.sse.clientDisconnected$)];
      const aborted = sendRequest(`${sseApp.url}/events`, { accept: 'text/event-stream', 'x-hold': '1' });
      await held.reached;
      aborted.destroy();
      while ((await connectionCount(sseApp)) > 1) await delay(10);
      held.open();

      await waitFor(() => provider.released.length === 1);
      expect(sseApp.sse.getClients()).toHaveLength(1);
      expect(events).toEqual([]);
      await expect(connectionCount(sseApp)).resolves.toBe(1);
      await expectBystanderServed();
    });
  });

  describe('id providers and stores that fail', () => {
    let filter: RecordingFilter;
    const withFilter = (app: INestApplication) => {
      filter = new RecordingFilter(app.getHttpAdapter());
      app.useGlobalFilters(filter);
    };

    it.each<[string, () => unknown, number, RegExp]>([
      [
        'throws',
        () => {
          throw new Error('session store down');
        },
        500,
        /CLIENT_ID_PROVIDER.*acquireClientId\(\) failed.*session store down/,
      ],
      ['rejects', () => Promise.reject(new Error('timeout')), 500, /acquireClientId\(\) failed.*timeout/],
      ['returns an empty id', () => '', 500, /gave "" as a client id.*non-empty string/],
      [
        'refuses on purpose (401)',
        () => {
          throw new UnauthorizedException('log in first');
        },
        401,
        /log in first/,
      ],
    ])('an id provider that %s: the status it calls for, nothing registered', async (_, acquire, status, message) => {
      const provider = { acquireClientId: jest.fn(() => 'bystander'), releaseClientId: () => undefined };
      await start({ sse: { clientIdProvider: provider }, configure: withFilter });
      provider.acquireClientId.mockImplementation(acquire as () => string);
      const stream = await openRawStream(`${sseApp.url}/events`);
      expect(stream.status).toBe(status);
      expect(String((filter.caught[0] as Error).message)).toMatch(message);
      expect(sseApp.sse.getClients().map((client) => client.id)).toEqual(['bystander']);
      await expectBystanderServed();
    });

    it('an id provider whose release throws: logged, and the client is still forgotten', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const provider = new RecordingCookieProvider();
      provider.releaseClientId = () => {
        throw new Error('release exploded');
      };
      await start({ sse: { clientIdProvider: provider } });
      const leaving = await openRawStream(`${sseApp.url}/events`);
      await waitFor(() => sseApp.sse.getClients().length === 2);
      leaving.close();
      await waitFor(() => sseApp.sse.getClients().length === 1);
      await waitFor(() => errors.mock.calls.some(([text]) => /releaseClientId\(.*\) failed/.test(String(text))));
      await expectBystanderServed();
    });

    it('a store that cannot forget a refused id: the 204 still goes out, and it is logged', async () => {
      const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      const store = new ControllableStore();
      store.removeClientId = () => Promise.reject(new Error('store is down'));
      await start({ sse: { clientIdProvider: CookieClientIdProvider, noReconnectStore: store } });
      const target = await openRawStream(`${sseApp.url}/events`);
      const cookie = cookieOf(target.headers['set-cookie']);
      const id = cookie.split('=')[1]!;
      await sseApp.sse.disconnect(id);
      const again = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
      expect(again.status).toBe(204);
      expect(errors.mock.calls.some(([text]) => /could not forget client/.test(String(text)))).toBe(true);
      await expectBystanderServed();
    });
  });

  describe('event data', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;

    it.each<[string, SseEvent, RegExp]>([
      ['undefined data', { data: undefined }, /data is undefined/],
      ['a type without data', { type: 'update' }, /data is undefined/],
      ['circular data', { data: circular }, /could not be sent as JSON/],
      ['a function', { data: () => 1 }, /has no JSON form/],
      ['a BigInt', { data: 10n }, /could not be sent as JSON/],
      ['a lone surrogate in text', 'half \ud83d of an emoji', /lone UTF-16 surrogate/],
      ['an id with a newline', { id: 'a\nb', data: 'x' }, /contains CR, LF or NUL/],
      ['an overlong id', { id: 'x'.repeat(1025), data: 'x' }, /the limit is 1024/],
    ])('%s is refused with a TypeError; nothing is written or logged', async (_, event, message) => {
      const log = new InMemoryEventLog();
      await start({ sse: { eventLog: log } });
      const client = sseApp.sse.getClients()[0]!;
      await expect(sseApp.sse.broadcast(event)).rejects.toThrow(TypeError);
      await expect(sseApp.sse.sendToGroup('g', event)).rejects.toThrow(message);
      await expect(client.send(event)).rejects.toThrow(message);
      expect(log.size).toBe(0);
      expect(client.isConnected).toBe(true);
      await expectBystanderServed();
      expect(bystander.events.map((e) => e.data)).toEqual([`still served ${marks}`]);
    });

    it('null, non-BMP text and lone surrogates inside JSON arrive intact', async () => {
      await start({});
      const reader = await openRawStream(`${sseApp.url}/events`);
      await waitFor(() => sseApp.sse.getClients().length === 2);
      await sseApp.sse.broadcast({ data: null });
      await sseApp.sse.broadcast('😀 𝄞 \u{10ffff}');
      await sseApp.sse.broadcast({ data: { half: 'a\ud83db' } });
      await reader.until((s) => s.events.length === 3);
      expect(reader.events.map((e) => e.data)).toEqual(['null', '😀 𝄞 \u{10ffff}', '{"half":"a\\ud83db"}']);
      expect(JSON.parse(reader.events[2]!.data)).toEqual({ half: 'a\ud83db' });
      reader.close();
    });

    it('an event larger than maxBufferedBytes reaches every reader that keeps up', async () => {
      await start({ sse: { maxBufferedBytes: 64 * 1024 } });
      const huge = 'é'.repeat(2 * 1024 * 1024);
      const disconnected = collect(sseApp.sse.clientDisconnected$);
      await sseApp.sse.broadcast(huge);
      await sseApp.sse.broadcast('after');
      await bystander.until((s) => s.events.length === 2, 15_000);
      expect(bystander.events[0]!.data === huge).toBe(true);
      expect(bystander.events[1]!.data).toBe('after');
      expect(disconnected).toEqual([]);
    });
  });
});
