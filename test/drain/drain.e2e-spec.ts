import { afterEach, describe, expect, it } from '@jest/globals';
import { EventSource } from 'eventsource';
import { type BrowserLikeEventSource, openEventSource } from '../utils/browser-like-event-source.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';
import { waitFor } from '../utils/wait.js';

const CLIENTS = 1000;
const WINDOW = 5000;
const SLICE = 500;

// A deploy: instance A closes, instance B is up. The EventSources reconnect through a "load
// balancer" that sends them to A while it is up and to B after.
describe('drain on shutdown', () => {
  const apps: SseApp[] = [];
  const sources: BrowserLikeEventSource[] = [];
  afterEach(async () => {
    sources.splice(0).forEach(({ source }) => source.close());
    await Promise.all(apps.splice(0).map((app) => app.close().catch(() => undefined)));
  });

  it(`spreads the reconnects of ${CLIENTS} EventSources over drainWindow, without waiting for it, and none gives up`, async () => {
    const a = await startSseApp({ sse: { keepalive: false, drainWindow: WINDOW, shutdownEvent: { type: 'shutdown', data: '' } } });
    const b = await startSseApp({ sse: { keepalive: false } });
    apps.push(a, b);
    let target = a.url;
    for (let n = 0; n < CLIENTS; n++) sources.push(openEventSource(() => `${target}/events`, ['shutdown']));
    await Promise.all(sources.map(({ opened }) => opened));

    const reconnectedAt: number[] = [];
    b.sse.clientConnected$.subscribe(() => reconnectedAt.push(Date.now()));
    target = b.url;
    const closing = Date.now();
    await a.close();
    // Shutdown ends every stream at once; the reconnects come later.
    expect(reconnectedAt.length).toBeLessThan(CLIENTS / 2);
    await waitFor(() => reconnectedAt.length === CLIENTS, WINDOW + 10_000);

    expect(sources.every(({ messages }) => messages.at(-1)?.type === 'shutdown')).toBe(true);
    expect(sources.filter(({ source }) => source.readyState === EventSource.CLOSED)).toEqual([]);
    const slices = Array<number>(WINDOW / SLICE).fill(0);
    for (const at of reconnectedAt) slices[Math.min(slices.length - 1, Math.floor((at - closing) / SLICE))]!++;
    const share = CLIENTS / slices.length;
    expect(Math.max(...slices)).toBeLessThanOrEqual(2 * share);
    // Spread over the whole window, not bunched at its start.
    expect(Math.max(...reconnectedAt) - Math.min(...reconnectedAt)).toBeGreaterThan(0.8 * WINDOW);
  }, 30_000);
});
