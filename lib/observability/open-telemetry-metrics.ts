import type { BatchObservableCallback, Histogram, Meter, Observable } from '@opentelemetry/api';
import type { Observable as RxObservable, Subscription } from 'rxjs';
import type { SseClientConnectedEvent, SseClientDisconnectedEvent } from '../clients/client-events.js';
import type { SseClient } from '../clients/sse-client.js';
import type { SseMetrics } from '../support/metrics.js';

/** What the instruments read: the counters behind getMetrics, and the two lifecycle events. */
export interface MetricSources {
  snapshot(): SseMetrics;
  connected$: RxObservable<SseClientConnectedEvent>;
  disconnected$: RxObservable<SseClientDisconnectedEvent>;
  /** A named service's name: its points carry `sse.service`, so that services side by side stay apart. */
  service?: string;
}

/** Stream durations in seconds: from a second to a working day, as SSE streams last. */
const DURATION_BUCKETS = [0.1, 1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 14_400, 28_800];

/**
 * The module's metrics as OpenTelemetry instruments, when the app has @opentelemetry/api: names
 * after OpenTelemetry's rules and, where they fit, SignalR's (`signalr.server.active_connections`,
 * `signalr.server.connection.duration`). Counters are observed from getMetrics' counters when the
 * SDK collects, so the hot paths pay nothing; only the duration is recorded as each stream ends.
 */
export class OpenTelemetryMetrics {
  private readonly observables: Observable[];
  private readonly observe: BatchObservableCallback;
  private readonly duration: Histogram;
  private readonly since = new WeakMap<SseClient, number>();
  private readonly subscriptions: Subscription[];
  /** `sse.service` for a named service; nothing for the unnamed one. */
  private readonly service: Record<string, string>;

  private constructor(
    private readonly meter: Meter,
    sources: MetricSources,
  ) {
    const count = (name: string, unit: string, description: string) => meter.createObservableCounter(name, { unit, description });
    const active = meter.createObservableUpDownCounter('sse.server.active_connections', {
      unit: '{connection}',
      description: 'Event streams open on this instance.',
    });
    const opened = count('sse.server.connections.opened', '{connection}', 'Event streams opened.');
    const closed = count('sse.server.connections.closed', '{connection}', 'Event streams ended, by sse.disconnect.reason.');
    const refused = count('sse.server.reconnects.refused', '{connection}', 'Reconnects of disconnected clients answered with 204.');
    const rejected = count('sse.server.connections.rejected', '{connection}', 'Connections turned away by maxClients or shutdown.');
    const sent = count('sse.server.events.sent', '{event}', 'Events sent from this instance (a broadcast counts once).');
    const replayed = count('sse.server.events.replayed', '{event}', 'Events replayed to resuming clients, once per client.');
    const written = count('sse.server.bytes.written', 'By', 'Bytes written to event streams.');
    const outages = count('sse.server.dependency.outages', '{outage}', 'Times a dependency became unreachable, by sse.dependency.');
    this.observables = [active, opened, closed, refused, rejected, sent, replayed, written, outages];
    const service: Record<string, string> = sources.service === undefined ? {} : { 'sse.service': sources.service };
    this.service = service;
    this.observe = (result) => {
      const metrics = sources.snapshot();
      const observe = (instrument: Observable, value: number, attributes = {}) =>
        result.observe(instrument, value, { ...attributes, ...service });
      observe(active, metrics.connectedClients);
      observe(opened, metrics.connects);
      for (const [reason, value] of Object.entries(metrics.disconnects)) observe(closed, value, { 'sse.disconnect.reason': reason });
      observe(refused, metrics.refused);
      observe(rejected, metrics.turnedAway);
      observe(sent, metrics.events);
      observe(replayed, metrics.replayed);
      observe(written, metrics.bytes);
      observe(outages, metrics.outages.store, { 'sse.dependency': 'store' });
      observe(outages, metrics.outages.eventLog, { 'sse.dependency': 'event_log' });
      observe(outages, metrics.outages.backplane, { 'sse.dependency': 'backplane' });
    };
    meter.addBatchObservableCallback(this.observe, this.observables);
    this.duration = meter.createHistogram('sse.server.connection.duration', {
      unit: 's',
      description: 'How long event streams lasted, by sse.disconnect.reason.',
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    });
    this.subscriptions = [
      sources.connected$.subscribe(({ client }) => this.since.set(client, performance.now())),
      sources.disconnected$.subscribe(({ client, reason }) => this.ended(client, reason)),
    ];
  }

  /** Undefined without @opentelemetry/api. Without an SDK registered before the app starts, its instruments do nothing. */
  static async start(sources: MetricSources): Promise<OpenTelemetryMetrics | undefined> {
    const api = await import('@opentelemetry/api').catch(() => undefined);
    return api && new OpenTelemetryMetrics(api.metrics.getMeter('nestjs-sse'), sources);
  }

  stop(): void {
    this.meter.removeBatchObservableCallback(this.observe, this.observables);
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }

  private ended(client: SseClient, reason: string): void {
    const start = this.since.get(client);
    if (start === undefined) return;
    this.duration.record((performance.now() - start) / 1000, { 'sse.disconnect.reason': reason, ...this.service });
  }
}
