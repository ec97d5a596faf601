import type { Registry } from 'prom-client';

/** The current value of a metric in `registry` for exactly these labels (none: the unlabelled series); NaN when there is no such series. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return Number.NaN;
  const wanted = Object.entries(labels);
  const sample = (await metric.get()).values.find((v) => {
    const have = Object.entries(v.labels);
    return have.length === wanted.length && wanted.every(([key, value]) => String(v.labels[key]) === value);
  });
  return sample ? sample.value : Number.NaN;
}
