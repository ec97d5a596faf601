import type { Kafka, Producer } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { FilterStats } from './matcher.js';

/**
 * One worker's counters for one filter version, as a record on the compacted filter-stats topic
 * keyed `<filterId>@<instance>`, so each worker's latest report replaces its previous one and the
 * API sums the reports of every worker.
 */
export interface FilterStatsRecord extends FilterStats {
  filterId: string;
  version: number;
  instance: string;
  at: string;
}

export function statsRecordKey(filterId: string, instance: string): string {
  return `${filterId}@${instance}`;
}

export interface StatsReporterOptions {
  kafka: Kafka;
  topic: string;
  /** This worker's stable name (the runner's instance id). */
  instance: string;
  intervalMs: number;
  /** The counters to report (FilterEngine.activeStats). */
  collect: () => { filterId: string; version: number; stats: FilterStats }[];
  logger: Logger;
  clock?: () => Date;
}

/**
 * Reports a worker's per-filter counters every interval, only those that changed since the last
 * report. Counters stay in the engine, out of Prometheus (no label per filter); a failed report is
 * logged and retried at the next interval, never allowed to touch the stream.
 */
export class StatsReporter {
  private producer: Producer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sent = new Map<string, string>();
  private reporting: Promise<void> = Promise.resolve();

  constructor(private readonly options: StatsReporterOptions) {}

  async start(): Promise<void> {
    this.producer = this.options.kafka.producer({ allowAutoTopicCreation: false });
    await this.producer.connect();
    this.timer = setInterval(() => {
      this.reporting = this.report().then(() => undefined, (err: unknown) => this.options.logger.warn({ err: (err as Error).message }, 'filter statistics not reported; retrying at the next interval'));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Publishes the counters that changed; resolves once Kafka has them. */
  async report(): Promise<number> {
    if (!this.producer) return 0;
    const at = (this.options.clock ?? (() => new Date()))().toISOString();
    const messages = [];
    for (const { filterId, version, stats } of this.options.collect()) {
      const key = statsRecordKey(filterId, this.options.instance);
      const counters = `${version}:${stats.evaluated}:${stats.errors}:${stats.matched}`;
      if (this.sent.get(key) === counters) continue;
      const record: FilterStatsRecord = { filterId, version, instance: this.options.instance, at, evaluated: stats.evaluated, matched: stats.matched, errors: stats.errors, totalNs: stats.totalNs, ...(stats.lastError ? { lastError: stats.lastError } : {}) };
      messages.push({ key, value: JSON.stringify(record) });
      this.sent.set(key, counters);
    }
    if (messages.length > 0) await this.producer.send({ topic: this.options.topic, messages });
    return messages.length;
  }

  /** A last report, so counters of a clean shutdown are not lost. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.reporting;
    await this.report().catch((err: unknown) => this.options.logger.warn({ err: (err as Error).message }, 'last filter statistics report failed'));
    await this.producer?.disconnect();
    this.producer = undefined;
  }
}
