import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The runner's metrics. Labels are bounded: `stage` (a handful), `topic` (input topics only, never
 * the per-user output topics), `partition` (the input partitions) and `code` (the error catalogue).
 */
export interface RunnerMetrics {
  recordsIn: Counter<'stage' | 'topic'>;
  recordsOut: Counter<'stage'>;
  batchSeconds: Histogram<'stage'>;
  lag: Gauge<'stage' | 'topic' | 'partition'>;
  paused: Gauge<'stage'>;
  buffered: Gauge<'stage'>;
  errors: Counter<'stage' | 'code'>;
}

const NAMES = {
  recordsIn: 'nightjar_runner_records_in_total',
  recordsOut: 'nightjar_runner_records_out_total',
  batchSeconds: 'nightjar_runner_batch_seconds',
  lag: 'nightjar_runner_consumer_lag',
  paused: 'nightjar_runner_paused',
  buffered: 'nightjar_runner_buffered_records',
  errors: 'nightjar_runner_errors_total',
} as const;

/** Registered once per registry; further runners on the same registry share them (told apart by `stage`). */
export function runnerMetrics(registry: Registry): RunnerMetrics {
  if (registry.getSingleMetric(NAMES.recordsIn)) {
    return Object.fromEntries(Object.entries(NAMES).map(([key, name]) => [key, registry.getSingleMetric(name)])) as unknown as RunnerMetrics;
  }
  const registers = [registry];
  return {
    recordsIn: new Counter({ name: NAMES.recordsIn, help: 'Records consumed into the runner, by input topic', labelNames: ['stage', 'topic'], registers }),
    recordsOut: new Counter({ name: NAMES.recordsOut, help: 'Records produced and acknowledged', labelNames: ['stage'], registers }),
    batchSeconds: new Histogram({
      name: NAMES.batchSeconds,
      help: 'Time to process, produce and commit one batch',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, 30],
      registers,
    }),
    lag: new Gauge({ name: NAMES.lag, help: 'Messages between the last fetched offset and the high watermark', labelNames: ['stage', 'topic', 'partition'], registers }),
    paused: new Gauge({ name: NAMES.paused, help: '1 while intake is paused because the buffer is above its high-water mark', labelNames: ['stage'], registers }),
    buffered: new Gauge({ name: NAMES.buffered, help: 'Records fetched and not yet handed to the stage', labelNames: ['stage'], registers }),
    errors: new Counter({ name: NAMES.errors, help: 'Failed batch attempts, by error code', labelNames: ['stage', 'code'], registers }),
  };
}
