import { afterEach, describe, expect, it } from '@jest/globals';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore, type SseClientConnectedEvent } from '../../lib/index.js';
import { type BrowserLikeEventSource, openEventSource } from '../utils/browser-like-event-source.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { collect, waitFor } from '../utils/wait.js';

describe('tabs of one browser', () => {
  let sseApp: SseApp;
  const sources: BrowserLikeEventSource[] = [];
  afterEach(async () => {
    sources.splice(0).forEach(({ source }) => source.close());
    await sseApp?.close();
  });

  it('keeps the other tabs and their ids when one tab is disconnected', async () => {
    sseApp = await startSseApp({
      sse: {
        keepalive: false,
        reconnectInterval: 100,
        clientIdProvider: CookieClientIdProvider,
        noReconnectStore: InMemoryNoReconnectStore,
        eventLog: new InMemoryEventLog(),
      },
    });
    const browser = new Map<string, string>();
    const tab = (name: string) => {
      const source = openEventSource(`${sseApp.url}/events?sse_tab=${name}`, [], browser);
      sources.push(source);
      return source;
    };
    const t1 = tab('t1');
    await t1.opened;
    const t2 = tab('t2');
    await t2.opened;
    const cookie = browser.get('sse_client_id')!;
    expect(
      sseApp.sse
        .getClients()
        .map(({ id }) => id)
        .sort(),
    ).toEqual([`${cookie}.t1`, `${cookie}.t2`]);

    await expect(sseApp.sse.disconnect(`${cookie}.t1`)).resolves.toBe(true);
    await t1.closedForGood;
    expect(t1.statuses).toEqual([200, 204]);
    // The refused tab leaves the browser's cookie alone: the other tab still needs it.
    expect(browser.get('sse_client_id')).toBe(cookie);

    // The other tab loses its connection, misses an event meant for it, and comes back.
    await sseApp.sse.broadcast('seen by t2');
    await waitFor(() => t2.messages.some(({ data }) => data === 'seen by t2'));
    const connected = collect(sseApp.sse.clientConnected$);
    sseApp.sse.getClient(`${cookie}.t2`)!.response.destroy();
    await waitFor(() => sseApp.sse.getClient(`${cookie}.t2`) === undefined);
    await sseApp.sse.sendToClient(`${cookie}.t2`, 'sent while t2 was away');
    await waitFor(() => connected.length === 1);

    expect(connected.map(({ client, resumed }: SseClientConnectedEvent) => [client.id, resumed])).toEqual([[`${cookie}.t2`, true]]);
    await waitFor(() => t2.messages.some(({ data }) => data === 'sent while t2 was away'));
    await expect(sseApp.sse.disconnect(`${cookie}.t2`)).resolves.toBe(true);
    await t2.closedForGood;
    expect(t2.statuses).toEqual([200, 200, 204]);
  });
});
