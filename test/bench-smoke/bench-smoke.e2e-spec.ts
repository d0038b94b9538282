import { afterEach, describe, expect, it } from '@jest/globals';
import { lineChart } from '../../bench/chart.js';
import { allReceive, type CountingStream, openStreams } from '../../bench/load.js';
import { median, percentile } from '../../bench/stats.js';
import { CookieClientIdProvider, InMemoryNoReconnectStore } from '../../lib/index.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';

/** The bench's own parts, on a tiny load: its frame counting must be exact for its numbers to mean anything. */
describe('bench harness (smoke)', () => {
  let sseApp: SseApp;
  let streams: CountingStream[] = [];
  afterEach(async () => {
    streams.forEach((s) => s.destroy());
    await sseApp?.close();
  });

  it('counts every delivered frame on every stream, whatever the chunking', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false } });
    const port = Number(new URL(sseApp.url).port);
    streams = await openStreams({ port, count: 20, localAddress: '127.0.0.1', concurrency: 5, path: '/events' });
    expect(streams).toHaveLength(20);
    const delivered = allReceive(streams, 120, 10_000);
    for (let i = 0; i < 120; i++) void sseApp.sse.broadcast('y'.repeat(i * 97));
    await delivered;
    expect(streams.map((s) => s.frames)).toEqual(Array(20).fill(120));
  });

  it('rejects when frames are missing instead of waiting for ever', async () => {
    sseApp = await startSseApp({ sse: { keepalive: false } });
    streams = await openStreams({ port: Number(new URL(sseApp.url).port), count: 2, localAddress: '127.0.0.1', path: '/events' });
    const delivered = allReceive(streams, 3, 300);
    await sseApp.sse.broadcast('only one');
    await expect(delivered).rejects.toThrow(/2 of 2 streams still short/);
  });

  it("reads each stream's cookie and sees it end, as the disconnect bench needs", async () => {
    sseApp = await startSseApp({
      sse: { keepalive: false, clientIdProvider: CookieClientIdProvider, noReconnectStore: InMemoryNoReconnectStore },
    });
    streams = await openStreams({ port: Number(new URL(sseApp.url).port), count: 3, localAddress: '127.0.0.1', path: '/events' });
    const [first, ...others] = streams;
    const id = decodeURIComponent(first!.cookie!.split('=')[1]!);
    expect(sseApp.sse.getClient(id)).toBeDefined();
    expect(await sseApp.sse.disconnect(id)).toBe(true);
    await first!.ended;
    expect(
      sseApp.sse
        .getClients()
        .map((client) => client.id)
        .sort(),
    ).toEqual(others.map((s) => decodeURIComponent(s.cookie!.split('=')[1]!)).sort());
  });

  it('draws one line per server and takes medians', () => {
    const svg = lineChart('t', 'x', 'y', [
      {
        label: 'a',
        points: [
          { x: 1000, y: 10 },
          { x: 5000, y: 20 },
        ],
      },
      {
        label: 'b',
        points: [
          { x: 1000, y: 5 },
          { x: 5000, y: 8 },
        ],
      },
    ]);
    expect(svg.match(/<polyline/g)).toHaveLength(2);
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentile(hundred, 0.5)).toBe(50);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
  });
});
