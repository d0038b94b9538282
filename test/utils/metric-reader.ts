import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';

/** Collects on demand, as a Prometheus scrape does. */
class ScrapeReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

/**
 * Registers a real SDK meter provider globally, as an app does before Nest starts. `scrape()`
 * collects, and finds an instrument by name, or the value of one of its points by attributes.
 */
export function installMeterProvider() {
  const reader = new ScrapeReader();
  const provider = new MeterProvider({ readers: [reader] });
  metrics.setGlobalMeterProvider(provider);
  async function scrape() {
    const { resourceMetrics } = await reader.collect();
    const all = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
    const metric = (name: string) => all.find((found) => found.descriptor.name === name);
    const point = (name: string, attributes: Record<string, string> = {}) =>
      metric(name)?.dataPoints.find((found) => JSON.stringify(found.attributes) === JSON.stringify(attributes))?.value;
    return { metric, point };
  }
  return { provider, scrape };
}
