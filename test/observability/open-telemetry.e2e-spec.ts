import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { CookieClientIdProvider, InMemoryEventLog, InMemoryNoReconnectStore } from '../../lib/index.js';
import { openRawStream, StreamPool } from '../utils/raw-stream.js';
import { installMeterProvider } from '../utils/metric-reader.js';
import { cookieOf } from '../utils/recording-providers.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';

// As an app does it: the SDK is registered before the Nest app starts.
const { provider, scrape } = installMeterProvider();

describe('OpenTelemetry metrics of a running app, read through the SDK', () => {
  let sseApp: SseApp | undefined;
  const streams = new StreamPool();
  afterEach(async () => {
    streams.closeAll();
    await sseApp?.close();
  });
  afterAll(() => provider.shutdown());

  it('counts streams, events, replays and 204s, and times streams by reason', async () => {
    sseApp = await startSseApp({
      sse: {
        keepalive: false,
        clientIdProvider: new CookieClientIdProvider(),
        noReconnectStore: InMemoryNoReconnectStore,
        eventLog: new InMemoryEventLog(),
      },
    });
    const { sse, url } = sseApp;
    const [first] = await streams.open(`${url}/events`);
    await sse.broadcast('one');
    await sse.broadcast('two');
    await first!.until((stream) => stream.events.length === 2);
    const [resumed] = await streams.open(`${url}/events`, 1, {
      headers: { accept: 'text/event-stream', 'last-event-id': first!.events[0]!.id! },
    });
    await resumed!.until((stream) => stream.events.length === 1);

    const clientId = sse.getClients().find((client) => client.lastEventId === undefined)!.id;
    await sse.disconnect(clientId);
    await first!.ended;
    const refused = await openRawStream(`${url}/events`, {
      headers: { accept: 'text/event-stream', cookie: cookieOf(first!.headers['set-cookie']) },
    });
    expect(refused.status).toBe(204);

    const { point } = await scrape();
    expect(point('sse.server.active_connections')).toBe(1);
    expect(point('sse.server.connections.opened')).toBe(2);
    expect(point('sse.server.connections.closed', { 'sse.disconnect.reason': 'server' })).toBe(1);
    expect(point('sse.server.reconnects.refused')).toBe(1);
    expect(point('sse.server.events.sent')).toBe(2);
    expect(point('sse.server.events.replayed')).toBe(1);
    expect(point('sse.server.bytes.written')).toBeGreaterThan(0);
    const duration = point('sse.server.connection.duration', { 'sse.disconnect.reason': 'server' }) as Histogram;
    expect(duration.count).toBe(1);
    expect(point('sse.server.dependency.outages', { 'sse.dependency': 'store' })).toBe(0);
  });
});
