import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore } from '../../lib/index.js';
import { type RawStream, StreamPool } from '../utils/raw-stream.js';
import { ControllableStore, cookieOf } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { waitFor } from '../utils/wait.js';

describe('metrics and logging', () => {
  let sseApp: SseApp;
  const streams = new StreamPool();
  afterEach(async () => {
    jest.restoreAllMocks();
    streams.closeAll();
    await sseApp?.close();
  });

  async function open(headers?: Record<string, string>): Promise<RawStream> {
    const [stream] = await streams.open(`${sseApp.url}/events`, 1, { headers });
    return stream!;
  }

  it('counts connects, disconnects by reason, 204s, turned-away connections, events and bytes', async () => {
    const debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    sseApp = await startSseApp({
      sse: { keepalive: false, maxClients: 2, clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore },
    });
    const [a, b] = [await open(), await open()];
    await waitFor(() => sseApp.sse.getClients().length === 2);
    await open().then((turnedAway) => turnedAway.ended);
    for (const n of [1, 2, 3]) await sseApp.sse.broadcast(`event ${n}`);
    const idOfA = cookieOf(a.headers['set-cookie'] as string[]).split('=')[1]!;
    await sseApp.sse.sendToClient(idOfA, 'just a');
    await a.until((s) => s.events.length === 4);
    await b.until((s) => s.events.length === 3);

    await sseApp.sse.disconnect(idOfA);
    const refused = await open({ accept: 'text/event-stream', cookie: cookieOf(a.headers['set-cookie'] as string[]) });
    expect(refused.status).toBe(204);
    b.close();
    await waitFor(() => sseApp.sse.getClients().length === 0);

    // Every byte of the streams but the empty comment each opened with, which goes out with the head.
    const bytesReceived = [a, b].reduce((sum, stream) => sum + Buffer.byteLength(stream.body.replace(/^:\n\n/, '')), 0);
    expect(sseApp.sse.getMetrics()).toEqual({
      connectedClients: 0,
      connects: 2,
      disconnects: { client: 1, server: 1, replaced: 0, shutdown: 0, slow: 0, expired: 0 },
      refused: 1,
      turnedAway: 1,
      events: 4,
      bytes: bytesReceived,
      replayed: 0,
      outages: { store: 0, eventLog: 0, backplane: 0 },
    });
    const logged = debug.mock.calls.map(([text]) => String(text));
    expect(logged).toContainEqual(expect.stringMatching(new RegExp(`^Client ${idOfA} connected; 1 here\\.$`)));
    expect(logged).toContainEqual(`Client ${idOfA} disconnected (server); 1 here.`);
    expect(logged).toContainEqual(`Client ${idOfA} came back after a server disconnect and was refused (204).`);
  });

  it('counts replayed events once per resuming client, and each outage once however many calls fail', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const store = new ControllableStore();
    sseApp = await startSseApp({
      sse: {
        keepalive: false,
        clientIdProvider: CookieClientIdProvider,
        noReconnectStore: { useValue: store },
        eventLog: new InMemoryEventLog(),
      },
    });
    const first = await open();
    await sseApp.sse.broadcast('one');
    await sseApp.sse.broadcast('two');
    await first.until((stream) => stream.events.length === 2);
    const resuming = [await open({ 'last-event-id': first.events[0]!.id! }), await open({ 'last-event-id': first.events[0]!.id! })];
    await Promise.all(resuming.map((stream) => stream.until((s) => s.events.length === 1)));
    store.failLookups = true;
    await Promise.all([open(), open(), open()]);
    store.failLookups = false;
    await open();
    store.failLookups = true;
    await open();
    const { replayed, outages } = sseApp.sse.getMetrics();
    expect(replayed).toBe(2);
    expect(outages).toEqual({ store: 2, eventLog: 0, backplane: 0 });
  });
});
