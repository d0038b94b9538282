import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { freePort } from '../utils/child-process.js';
import { StreamPool } from '../utils/raw-stream.js';
import { type SseApp, startSseApp } from '../utils/sse-app.js';

// The README's Prometheus recipe, scraped as Prometheus would.
describe('metrics through the OpenTelemetry Prometheus exporter', () => {
  let exporter: PrometheusExporter;
  let port: number;
  let sseApp: SseApp | undefined;
  const streams = new StreamPool();
  afterEach(async () => {
    streams.closeAll();
    await sseApp?.close();
  });
  afterAll(() => exporter?.shutdown());

  it('serves the module’s metrics under Prometheus names', async () => {
    port = await freePort();
    exporter = new PrometheusExporter({ port, host: '127.0.0.1' });
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [exporter] }));
    sseApp = await startSseApp({ sse: { keepalive: false } });
    const [stream] = await streams.open(`${sseApp.url}/events`);
    await sseApp.sse.broadcast('hello');
    await stream!.until((s) => s.events.length === 1);
    stream!.close();
    await stream!.ended;

    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sample = (name: string) => new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[2];
    expect(sample('sse_server_connections_opened_total')).toBe('1');
    expect(sample('sse_server_events_sent_total')).toBe('1');
    expect(Number(sample('sse_server_bytes_written_total'))).toBeGreaterThan(0);
    expect(text).toMatch(/^sse_server_connections_closed_total\{sse_disconnect_reason="client"[^}]*\} 1/m);
    expect(text).toMatch(/^sse_server_connection_duration_bucket\{sse_disconnect_reason="client"[^}]*\} 1$/m);
    expect(sample('sse_server_active_connections')).toBe('0');
  });
});
