import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Injectable,
  Req,
  Res,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  CookieClientIdProvider,
  InMemoryEventLog,
  InMemoryNoReconnectStore,
  type SseClientDisconnectedEvent,
  SseService,
} from '../../lib/index.js';
import { type BrowserLikeEventSource, openEventSource } from '../utils/browser-like-event-source.js';
import { StreamPool } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, delay, waitFor } from '../utils/wait.js';

/**
 * Tokens as a login would hand them out: `<user>.<expiry in epoch ms>`, in a cookie. The guard
 * refuses an expired one, or any once `revoked` is set (the user logged out elsewhere).
 */
const tokens = { revoked: false };
type AuthedRequest = IncomingMessage & { token?: { user: string; expiresAt: number } };

@Injectable()
class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const [, user, expiry] = /(?:^|;\s*)token=(\w+)\.(\d+)/.exec(req.headers.cookie ?? '') ?? [];
    if (user === undefined || tokens.revoked || Number(expiry) <= Date.now()) throw new UnauthorizedException('Log in again.');
    req.token = { user, expiresAt: Number(expiry) };
    return true;
  }
}

@Controller('private')
class TokenStreamController {
  constructor(private readonly sse: SseService) {}

  @Get('events')
  @UseGuards(TokenGuard)
  events(@Req() req: AuthedRequest, @Res() res: ServerResponse): Promise<void> {
    return this.sse.connect(req, res, { expiresAt: req.token!.expiresAt });
  }
}

describe('streams with lifetimes', () => {
  let sseApp: SseApp;
  const sources: BrowserLikeEventSource[] = [];
  const streams = new StreamPool();
  afterEach(async () => {
    tokens.revoked = false;
    sources.splice(0).forEach(({ source }) => source.close());
    streams.closeAll();
    await sseApp?.close();
  });

  it('ends each stream past maxConnectionAge, within the jitter, and it reconnects with 200 and resumes every event once', async () => {
    const AGE = 1500;
    sseApp = await startSseApp({
      sse: { keepalive: false, maxConnectionAge: AGE, eventLog: new InMemoryEventLog(), clientIdProvider: CookieClientIdProvider },
    });
    const ended: (SseClientDisconnectedEvent & { age: number })[] = [];
    const openedAt = new Map<object, number>();
    sseApp.sse.clientConnected$.subscribe(({ client }) => openedAt.set(client, Date.now()));
    sseApp.sse.clientDisconnected$.subscribe((event) => ended.push({ ...event, age: Date.now() - openedAt.get(event.client)! }));
    for (let n = 0; n < 10; n++) sources.push(openEventSource(`${sseApp.url}/events`));
    await Promise.all(sources.map(({ opened }) => opened));

    // Events go on while every stream expires and comes back.
    let sent = 0;
    while (sources.some(({ statuses }) => statuses.length < 2) || sent < 40) {
      await sseApp.sse.broadcast(`event ${sent++}`);
      await delay(50);
    }
    await sseApp.sse.broadcast(`event ${sent++}`);
    await waitFor(() => sources.every(({ messages }) => messages.length === sent));

    const firstEnds = ended.filter(({ client }) => [...openedAt.keys()].slice(0, 10).includes(client));
    expect(firstEnds.map(({ reason }) => reason)).toEqual(Array(10).fill('expired'));
    for (const { age } of firstEnds) {
      expect(age).toBeGreaterThanOrEqual(AGE * 0.9);
      // The jitter, a deadline tick, and this machine's scheduling.
      expect(age).toBeLessThan(AGE * 1.1 + 500);
    }
    // Not refused: each came back with 200 under its own id, and missed nothing.
    for (const { statuses, messages } of sources) {
      expect(statuses.slice(0, 2)).toEqual([200, 200]);
      expect(messages.map(({ data }) => data)).toEqual(Array.from({ length: sent }, (_, n) => `event ${n}`));
    }
    expect(new Set(sseApp.sse.getClients().map(({ id }) => id)).size).toBe(10);
  }, 20_000);

  it('ends a stream when its credential expires, and the reconnect goes through the guard again: 401 once it refuses', async () => {
    sseApp = await startSseApp({
      sse: { keepalive: false, clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore },
      controllers: [TokenStreamController],
    });
    const disconnected = collect(sseApp.sse.clientDisconnected$);
    const expiresAt = Date.now() + 800;
    const cookies = new Map([['token', `alice.${expiresAt}`]]);
    const alice = openEventSource(`${sseApp.url}/private/events`, [], cookies);
    sources.push(alice);
    await alice.opened;
    // Logged out elsewhere meanwhile: the next handshake is refused, though this stream stays open until its expiry.
    tokens.revoked = true;
    await alice.closedForGood;
    expect(alice.statuses).toEqual([200, 401]);
    expect(disconnected.map(({ reason }) => reason)).toEqual(['expired']);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
  });

  it.each<[string, () => Date | number, number]>([
    ['not a time', () => new Date('not a date'), 500],
    ['in seconds (a JWT exp as it is)', () => Math.floor(Date.now() / 1000) + 60, 500],
    ['already past: 401, as the guard would have answered', () => Date.now() - 1000, 401],
  ])('refuses an expiresAt %s, opening nothing', async (_, expiresAt, status) => {
    @Controller()
    class BadExpiry {
      constructor(private readonly sse: SseService) {}
      @Get('bad-expiry')
      events(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
        return this.sse.connect(req, res, { expiresAt: expiresAt() });
      }
    }
    sseApp = await startSseApp({ sse: { keepalive: false }, controllers: [BadExpiry] });
    const [stream] = await streams.open(`${sseApp.url}/bad-expiry`);
    expect(stream!.status).toBe(status);
    expect(sseApp.sse.getClients()).toEqual([]);
  });

  it('keeps the deadlines of a thousand streams on one timer', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false, maxConnectionAge: 60_000 } });
    // Every timer made meanwhile, unref'd ones too, which a count of active handles would miss. The
    // handshake's store call has a timeout of its own, which is cleared when the store answers.
    const timers = [jest.spyOn(globalThis, 'setTimeout'), jest.spyOn(globalThis, 'setInterval')];
    await streams.open(`${sseApp.url}/events`, 1000);
    await waitFor(() => sseApp.sse.getClients().length === 1000);
    await delay(50);
    const made = timers.flatMap((spy) => spy.mock.results.map(({ value }) => value as NodeJS.Timeout & { _destroyed: boolean }));
    timers.forEach((spy) => spy.mockRestore());
    expect(made.length).toBeGreaterThanOrEqual(1000);
    expect(made.filter((timer) => !timer._destroyed)).toHaveLength(1);
  });
});
