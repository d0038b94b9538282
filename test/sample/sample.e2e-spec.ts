import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EVENT_LOG, type InMemoryEventLog, SseService } from '../../lib/index.js';
import { AppModule } from '../../sample/app.module.js';
import { ANSWER } from '../../sample/ask.controller.js';
import { cookieOf } from '../utils/recording-providers.js';
import { type RawStream, StreamPool } from '../utils/raw-stream.js';
import { createApp } from '../utils/sse-app.js';
import { openFetchStream } from '../utils/fetch-stream.js';
import { waitFor } from '../utils/wait.js';

// The sample is what people copy: it must be safe to run where anyone can reach it.
describe('the sample app, as a stranger would use it', () => {
  let app: INestApplication;
  let url: string;
  const streams = new StreamPool();
  const saved = { ...process.env };

  beforeEach(async () => {
    delete process.env.REDIS_URL;
    delete process.env.SSE_COOKIE_SECRET;
    delete process.env.SSE_ADMIN_TOKEN;
    app = createApp(await Test.createTestingModule({ imports: [AppModule] }).compile());
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });
  afterEach(async () => {
    streams.closeAll();
    await app.close();
    process.env = { ...saved };
  });

  /** A browser's tab: a stream with its own tab name, and the cookie that came with it. */
  async function tab(name: string, cookie?: string): Promise<{ stream: RawStream; cookie: string; id: string }> {
    const headers: Record<string, string> = { accept: 'text/event-stream', ...(cookie ? { cookie } : {}) };
    const [stream] = await streams.open(`${url}/events?sse_tab=${name}`, 1, { headers });
    const jar = cookie ?? cookieOf(stream!.headers['set-cookie'] as string[]);
    const me = await (await fetch(`${url}/events/me?sse_tab=${name}`, { headers: { cookie: jar } })).json();
    return { stream: stream!, cookie: jar, id: (me as { id: string }).id };
  }

  const call = (method: string, path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { method, headers });

  it('signs the ids it gives, so a copied id is not taken over', async () => {
    const victim = await tab('t1');
    expect(victim.cookie).toMatch(/^sse_client_id=[0-9a-f-]{36}\.[\w-]{43}$/);
    const thief = await tab('t1', `sse_client_id=${victim.id.split('.')[0]}`);
    expect(thief.id).not.toBe(victim.id);
    await waitFor(() => app.get(SseService).getClients().length === 2);
    expect(app.get(SseService).getClient(victim.id)?.isConnected).toBe(true);
  });

  it('keeps the admin API off unless SSE_ADMIN_TOKEN is set, and behind it when it is', async () => {
    await tab('t1');
    expect((await call('GET', '/admin/clients')).status).toBe(403);
    process.env.SSE_ADMIN_TOKEN = 'a-long-random-operator-token';
    expect((await call('GET', '/admin/clients')).status).toBe(401);
    expect((await call('GET', '/admin/clients', { authorization: 'Bearer wrong' })).status).toBe(401);
    const listed = await call('GET', '/admin/clients', { authorization: 'Bearer a-long-random-operator-token' });
    expect(listed.status).toBe(200);
    expect(await listed.json()).toHaveLength(1);
  });

  it('answers a browser without its cookie yet, and issues it none', async () => {
    const response = await call('GET', '/events/me?sse_tab=t1');
    expect(response.status).toBe(404);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it("lets a page end its own browser's tabs and nobody else's", async () => {
    const mine = await tab('a1');
    const sibling = await tab('a2', mine.cookie);
    const stranger = await tab('b1');
    const [, siblingTab] = sibling.id.split('.');
    expect((await call('POST', `/events/me/tabs/${siblingTab}/disconnect`, { cookie: stranger.cookie })).status).toBe(404);
    expect(sibling.stream.events).toEqual([]);
    expect((await call('POST', `/events/me/tabs/${siblingTab}/disconnect`, { cookie: mine.cookie })).status).toBe(200);
    await sibling.stream.ended;
    expect(mine.stream.headers['content-type']).toBe('text/event-stream');
  });

  it('caps the groups a page may join, and lets it speak only in its own', async () => {
    const page = await tab('t1');
    const join = (group: string) => call('POST', `/events/me/groups/${group}?sse_tab=t1`, { cookie: page.cookie });
    const statuses: number[] = [];
    for (let n = 0; n < 8; n++) statuses.push((await join(`g${n}`)).status);
    // The lobby counts: seven more fit.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 409]);
    expect((await join('not a name')).status).toBe(400);
    const say = await fetch(`${url}/events/me/say?sse_tab=t1`, {
      method: 'POST',
      headers: { cookie: page.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hi', group: 'elsewhere' }),
    });
    expect(say.status).toBe(400);
  });

  it('logs events, not connections: a crowd of connects leaves the event log as it was', async () => {
    const log = app.get(EVENT_LOG) as InMemoryEventLog;
    const before = log.size;
    for (let n = 0; n < 30; n++) await tab(`t${n}`);
    expect(log.size).toBe(before);
  });

  it('streams an answer to a POST, resumed without a token lost or repeated, and only to the browser that asked', async () => {
    const { cookie } = await tab('t1');
    const ask = (headers: Record<string, string> = {}) =>
      openFetchStream(`${url}/events/ask/c1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, ...headers },
        body: JSON.stringify({ question: 'how?' }),
      });
    const first = await ask();
    expect(first.status).toBe(200);
    await first.until((stream) => stream.events.filter((event) => event.event === 'token').length >= 3, 10_000);
    first.close();
    const lastEventId = first.events.at(-1)!.id!;
    const resumed = await ask({ 'last-event-id': lastEventId });
    await resumed.until((stream) => stream.events.some((event) => event.event === 'done'), 15_000);
    const tokens = [...first.events, ...resumed.events].filter((event) => event.event === 'token').map((event) => event.data);
    expect(tokens.join('')).toBe(ANSWER);
    expect([...first.events, ...resumed.events].filter((event) => event.event === 'question')).toHaveLength(1);

    const stranger = await fetch(`${url}/events/ask/c1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(stranger.status).toBe(404);
  }, 30_000);
});
