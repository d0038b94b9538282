import { afterEach, describe, expect, it } from '@jest/globals';
import { CookieClientIdProvider, InMemoryEventLog, type SseClientConnectedEvent } from '../../lib/index.js';
import { openEventSource } from '../utils/browser-like-event-source.js';
import { openRawStream, type RawStream } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, delay, waitFor } from '../utils/wait.js';

const withLog = (log = new InMemoryEventLog()) => ({ keepalive: false as const, eventLog: log });
const data = (stream: RawStream) => stream.events.map((event) => event.data);

describe('resuming with Last-Event-ID', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

  async function openOne(headers: Record<string, string> = {}): Promise<RawStream> {
    const clients = sseApp.sse.getClients().length;
    const stream = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', ...headers } });
    await waitFor(() => sseApp.sse.getClients().length === clients + 1);
    return stream;
  }

  it('gives every logged event an id, in order, unless the caller gave one', async () => {
    sseApp = await startSseApp({ sse: withLog() });
    const stream = await openOne();
    await sseApp.sse.broadcast('a');
    await sseApp.sse.broadcast({ data: 'b', id: 'mine' });
    await sseApp.sse.broadcast('c');
    await stream.until((s) => s.events.length === 3);
    const [a, b, c] = stream.events.map((event) => event.id!);
    expect(b).toBe('mine');
    expect(a).toMatch(/^[0-9a-z]+-1$/);
    expect(c).toBe(a.replace(/-1$/, '-2'));
    stream.close();
  });

  it('replays what the client missed, before anything new, to the clients it was meant for', async () => {
    sseApp = await startSseApp({ sse: withLog() });
    const first = await openOne();
    await sseApp.sse.broadcast('seen');
    await first.until((s) => s.events.length === 1);
    const lastSeen = first.events[0]!.id!;
    first.close();
    await waitFor(() => sseApp.sse.getClients().length === 0);

    const other = await openOne();
    await sseApp.sse.broadcast('missed 1');
    await sseApp.sse.sendToGroup('news', 'missed group');
    await sseApp.sse.sendToGroup('sports', 'other group');
    await sseApp.sse.getClients()[0]!.send('for someone else');
    await sseApp.sse.broadcast('filtered', () => true);
    await sseApp.sse.broadcast('missed 2');

    const connected = collect(sseApp.sse.clientConnected$);
    sseApp.sse.clientConnected$.subscribe(({ client }) => {
      if (client.lastEventId === undefined) return;
      sseApp.sse.addToGroup('news', client);
      void client.send('welcome back');
    });
    const resumed = await openOne({ 'last-event-id': lastSeen });
    await sseApp.sse.broadcast('new');
    await resumed.until((s) => s.events.length === 5);
    await delay(30);

    expect(data(resumed)).toEqual(['missed 1', 'missed group', 'missed 2', 'welcome back', 'new']);
    expect(connected.map((event: SseClientConnectedEvent) => event.resumed)).toEqual([true]);
    other.close();
    resumed.close();
  });

  it('replays nothing when the id is unknown or too old, and says so', async () => {
    sseApp = await startSseApp({ sse: withLog(new InMemoryEventLog({ maxEvents: 2 })) });
    const watcher = await openOne();
    for (const text of ['1', '2', '3']) await sseApp.sse.broadcast(text);
    await watcher.until((s) => s.events.length === 3);
    const connected = collect(sseApp.sse.clientConnected$);

    const tooOld = await openOne({ 'last-event-id': watcher.events[0]!.id! });
    const unknown = await openOne({ 'last-event-id': 'never-sent' });
    const known = await openOne({ 'last-event-id': watcher.events[1]!.id! });
    await known.until((s) => s.events.length === 1);
    await delay(30);

    expect(data(tooOld)).toEqual([]);
    expect(data(unknown)).toEqual([]);
    expect(data(known)).toEqual(['3']);
    expect(connected.map((event) => event.resumed)).toEqual([false, false, true]);
    [watcher, tooOld, unknown, known].forEach((stream) => stream.close());
  });

  it('without a log assigns no ids and never resumes', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false } });
    const connected = collect(sseApp.sse.clientConnected$);
    const stream = await openOne({ 'last-event-id': 'anything' });
    await sseApp.sse.broadcast('plain');
    await stream.until((s) => s.events.length === 1);
    expect(stream.events[0]!.id).toBeUndefined();
    expect(connected.map((event) => event.resumed)).toEqual([false]);
    stream.close();
  });

  it('lets a real EventSource that keeps losing its connection see every event exactly once, in order', async () => {
    sseApp = await startSseApp({ sse: { ...withLog(), reconnectInterval: 20, clientIdProvider: CookieClientIdProvider } });
    const es = openEventSource(`${sseApp.url}/events`);
    await es.opened;
    const sent: string[] = [];
    let n = 0;
    const ticker = setInterval(() => {
      const text = `event ${++n}`;
      sent.push(text);
      void sseApp.sse.broadcast(text);
    }, 3);
    for (let drop = 0; drop < 5; drop++) {
      await delay(60);
      await waitFor(() => sseApp.sse.getClients().length === 1);
      sseApp.sse.getClients()[0]!.request.socket.destroy();
    }
    await delay(60);
    clearInterval(ticker);
    await waitFor(() => es.messages.length >= sent.length);
    await delay(50);
    es.source.close();

    expect(es.statuses.length).toBeGreaterThanOrEqual(6);
    expect(es.messages.map((message) => message.data)).toEqual(sent);
  });
});
