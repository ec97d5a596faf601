import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SinkMetrics {
  rows: Counter<'table'>;
  deadLetters: Counter<'code'>;
  insertSeconds: Histogram;
  unavailable: Counter;
  /** 1 while the sink holds a batch waiting for ClickHouse to come back. */
  waiting: Gauge;
}

/** The sink's metrics, registered once per registry (a second sink on the same registry shares them). */
export function sinkMetrics(registry: Registry): SinkMetrics {
  const existing = registry.getSingleMetric('nightjar_sink_rows_total');
  if (existing) {
    return {
      rows: existing as Counter<'table'>,
      deadLetters: registry.getSingleMetric('nightjar_sink_dead_letters_total') as Counter<'code'>,
      insertSeconds: registry.getSingleMetric('nightjar_sink_insert_seconds') as Histogram,
      unavailable: registry.getSingleMetric('nightjar_sink_clickhouse_unavailable_total') as Counter,
      waiting: registry.getSingleMetric('nightjar_sink_waiting_for_clickhouse') as Gauge,
    };
  }
  return {
    rows: new Counter({ name: 'nightjar_sink_rows_total', help: 'Rows written to the archive, by table', labelNames: ['table'], registers: [registry] }),
    deadLetters: new Counter({ name: 'nightjar_sink_dead_letters_total', help: 'Dead letters archived, by code', labelNames: ['code'], registers: [registry] }),
    insertSeconds: new Histogram({ name: 'nightjar_sink_insert_seconds', help: 'Time to insert one batch into every archive table', buckets: [0.01, 0.03, 0.1, 0.3, 1, 3, 10], registers: [registry] }),
    unavailable: new Counter({ name: 'nightjar_sink_clickhouse_unavailable_total', help: 'Inserts that failed because ClickHouse was unavailable', registers: [registry] }),
    waiting: new Gauge({ name: 'nightjar_sink_waiting_for_clickhouse', help: '1 while the sink waits for ClickHouse to come back', registers: [registry] }),
  };
}
