import { afterEach, describe, expect, it } from '@jest/globals';
import { InMemoryNoReconnectStore } from '../../lib/index.js';
import { openRawStream } from '../utils/raw-stream.js';
import { cookieOf, RecordingCookieProvider } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

describe('a second connection with the id of a connected client', () => {
  let sseApp: SseApp;
  afterEach(() => sseApp?.close());

  it('replaces the old one without making the live client look gone', async () => {
    const provider = new RecordingCookieProvider();
    sseApp = await startSseApp({ sse: { clientIdProvider: provider, noReconnectStore: InMemoryNoReconnectStore } });
    const log: string[] = [];
    sseApp.sse.clientConnected$.subscribe(({ client }) => log.push(`connected ${client.id}`));
    sseApp.sse.clientDisconnected$.subscribe(({ client, reason }) => log.push(`disconnected ${client.id} ${reason}`));

    const old = await openRawStream(`${sseApp.url}/events`);
    const cookie = cookieOf(old.headers['set-cookie'] as string[]);
    const clientId = cookie.split('=')[1]!;
    const oldClient = sseApp.sse.getClient(clientId)!;
    sseApp.sse.addToGroup('room', oldClient);

    const fresh = await openRawStream(`${sseApp.url}/events`, { headers: { accept: 'text/event-stream', cookie } });
    await old.ended;
    const liveClient = sseApp.sse.getClient(clientId)!;
    expect(liveClient).not.toBe(oldClient);
    expect(oldClient.isConnected).toBe(false);
    expect(liveClient.isConnected).toBe(true);
    expect(sseApp.sse.getClients()).toEqual([liveClient]);
    expect(sseApp.sse.getClients('room')).toEqual([]);
    expect(sseApp.sse.addToGroup('room', oldClient)).toBe(false);
    expect(log).toEqual([`connected ${clientId}`, `disconnected ${clientId} replaced`, `connected ${clientId}`]);
    expect(provider.released).toEqual([]);

    await sseApp.sse.broadcast('for the live one');
    await fresh.until((s) => s.events.length === 1);
    expect(old.events).toEqual([]);
    expect(sseApp.sse.getClient(clientId)).toBe(liveClient);
    fresh.close();
  });

  it('keeps two tabs of one browser apart when each names its tab', async () => {
    sseApp = await startSseApp({ sse: { clientIdProvider: RecordingCookieProvider, noReconnectStore: InMemoryNoReconnectStore } });
    const disconnects = collect(sseApp.sse.clientDisconnected$);
    const first = await openRawStream(`${sseApp.url}/events?sse_tab=tab1`);
    const cookie = cookieOf(first.headers['set-cookie'] as string[]);
    const second = await openRawStream(`${sseApp.url}/events?sse_tab=tab2`, { headers: { accept: 'text/event-stream', cookie } });
    const browserId = cookie.split('=')[1]!;
    expect(
      sseApp.sse
        .getClients()
        .map((c) => c.id)
        .sort(),
    ).toEqual([`${browserId}.tab1`, `${browserId}.tab2`]);
    await sseApp.sse.broadcast('both');
    await Promise.all([first, second].map((s) => s.until((x) => x.events.length === 1)));
    expect(disconnects).toEqual([]);

    await sseApp.sse.disconnect(`${browserId}.tab1`);
    await first.ended;
    const refused = await openRawStream(`${sseApp.url}/events?sse_tab=tab1`, { headers: { accept: 'text/event-stream', cookie } });
    expect(refused.status).toBe(204);
    expect(sseApp.sse.getClient(`${browserId}.tab2`)?.isConnected).toBe(true);
    second.close();
  });

  it('keeps the live client registered after the old socket finally closes', async () => {
    sseApp = await startSseApp({
      sse: { clientIdProvider: { useValue: { acquireClientId: () => 'device-7', releaseClientId: () => undefined } } },
    });
    const disconnects = collect(sseApp.sse.clientDisconnected$);
    const old = await openRawStream(`${sseApp.url}/events`);
    const fresh = await openRawStream(`${sseApp.url}/events`);
    old.close();
    await old.ended;
    await waitFor(() => disconnects.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(disconnects.map((e) => e.reason)).toEqual(['replaced']);
    expect(sseApp.sse.getClient('device-7')?.isConnected).toBe(true);
    await sseApp.sse.getClient('device-7')!.send('still registered');
    await fresh.until((s) => s.events.length === 1);
    fresh.close();
  });
});
