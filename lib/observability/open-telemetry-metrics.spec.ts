import { afterAll, describe, expect, it } from '@jest/globals';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { Subject } from 'rxjs';
import type { SseClientConnectedEvent, SseClientDisconnectedEvent } from '../clients/client-events.js';
import type { SseClient } from '../clients/sse-client.js';
import type { SseMetrics } from '../support/metrics.js';
import { installMeterProvider } from '../../test/utils/metric-reader.js';
import { OpenTelemetryMetrics } from './open-telemetry-metrics.js';

const { provider, scrape } = installMeterProvider();

const counters: SseMetrics = {
  connectedClients: 2,
  connects: 5,
  disconnects: { client: 1, server: 1, replaced: 1, shutdown: 0, slow: 0, expired: 0 },
  refused: 1,
  turnedAway: 3,
  events: 40,
  bytes: 1234,
  replayed: 7,
  outages: { store: 1, eventLog: 0, backplane: 2 },
};

describe('OpenTelemetryMetrics, read through the OpenTelemetry SDK', () => {
  const connected = new Subject<SseClientConnectedEvent>();
  const disconnected = new Subject<SseClientDisconnectedEvent>();
  afterAll(() => provider.shutdown());

  it('observes the counters at collection time, with OpenTelemetry names, units and attributes', async () => {
    const telemetry = await OpenTelemetryMetrics.start({ snapshot: () => counters, connected$: connected, disconnected$: disconnected });
    const { metric, point: value } = await scrape();
    expect(value('sse.server.active_connections')).toBe(2);
    expect(metric('sse.server.active_connections')?.descriptor.unit).toBe('{connection}');
    expect(value('sse.server.connections.opened')).toBe(5);
    expect(value('sse.server.connections.closed', { 'sse.disconnect.reason': 'replaced' })).toBe(1);
    expect(value('sse.server.reconnects.refused')).toBe(1);
    expect(value('sse.server.connections.rejected')).toBe(3);
    expect(value('sse.server.events.sent')).toBe(40);
    expect(value('sse.server.events.replayed')).toBe(7);
    expect(value('sse.server.bytes.written')).toBe(1234);
    expect(metric('sse.server.bytes.written')?.descriptor.unit).toBe('By');
    expect(value('sse.server.dependency.outages', { 'sse.dependency': 'backplane' })).toBe(2);
    telemetry!.stop();
  });

  it('records how long each stream lasted, by reason, from the connected event to the disconnected one', async () => {
    const telemetry = await OpenTelemetryMetrics.start({ snapshot: () => counters, connected$: connected, disconnected$: disconnected });
    const client = { id: 'a' } as SseClient;
    const stranger = { id: 'never-connected' } as SseClient;
    connected.next({ client, resumed: false } as SseClientConnectedEvent);
    await new Promise((resolve) => setTimeout(resolve, 20));
    disconnected.next({ client, reason: 'server' } as SseClientDisconnectedEvent);
    disconnected.next({ client: stranger, reason: 'client' } as SseClientDisconnectedEvent);
    const { metric } = await scrape();
    const durations = metric('sse.server.connection.duration')!;
    expect(durations.descriptor.unit).toBe('s');
    expect(durations.dataPoints).toHaveLength(1);
    const [point] = durations.dataPoints;
    expect(point!.attributes).toEqual({ 'sse.disconnect.reason': 'server' });
    expect((point!.value as Histogram).count).toBe(1);
    expect((point!.value as Histogram).sum).toBeGreaterThanOrEqual(0.015);
    telemetry!.stop();
  });

  it('stops observing once stopped, so a closed app reports nothing new', async () => {
    let connectedClients = 9;
    const snapshot = () => ({ ...counters, connectedClients });
    const telemetry = await OpenTelemetryMetrics.start({ snapshot, connected$: connected, disconnected$: disconnected });
    const active = async () => (await scrape()).point('sse.server.active_connections');
    expect(await active()).toBe(9);
    telemetry!.stop();
    connectedClients = 10;
    expect(await active()).not.toBe(10);
    expect(connected.observed).toBe(false);
  });
});
