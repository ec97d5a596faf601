import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process, passed to every component that exports metrics (never the
 * global default registry, so tests can build independent instances). Metric names start
 * with `nightjar_`; labels are bounded sets (stage, topic, error code), never per-filter or
 * per-alert values.
 */
export function createMetricsRegistry(options: { processMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'nightjar_' });
  return registry;
}

export { Registry } from 'prom-client';
