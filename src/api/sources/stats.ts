import type { Kafka } from 'kafkajs';
import type { FilterStats } from '../../filter/matcher.js';
import { statsRecordKey, type FilterStatsRecord } from '../../filter/stats-report.js';
import { StateTopic } from '../../kafka/state-topic.js';
import type { Logger } from '../../log/logger.js';
import type { KeyedState } from '../../platform/state.js';

/** A filter's counters as the API shows them (summed over the workers that report). */
export interface FilterStatsView {
  filterId: string;
  /** The version the counters are for (the active one when they were reported). */
  version: number | null;
  evaluated: number;
  matched: number;
  errors: number;
  /** Mean evaluation time per alert, microseconds (null before the first evaluation). */
  meanEvalMicros: number | null;
  lastError: { code: string; message: string } | null;
  /** Workers whose counters are included. */
  reporters: number;
  /** When the newest counters were taken; null when nobody reported. */
  updatedAt: string | null;
}

/** Where the API reads filter statistics: in process (the worker runs here) or from the workers' reports. */
export interface FilterStatsSource {
  stats(filterId: string): FilterStatsView | undefined;
}

export type { FilterStatsRecord } from '../../filter/stats-report.js';
export { statsRecordKey } from '../../filter/stats-report.js';

/** Sums the reports of the newest version (older versions' counters are history, not the filter's current behaviour). */
export function summarise(filterId: string, records: readonly FilterStatsRecord[]): FilterStatsView | undefined {
  if (records.length === 0) return undefined;
  const version = Math.max(...records.map((r) => r.version));
  const current = records.filter((r) => r.version === version);
  const total = current.reduce((sum, r) => ({ evaluated: sum.evaluated + r.evaluated, matched: sum.matched + r.matched, errors: sum.errors + r.errors, totalNs: sum.totalNs + r.totalNs }), { evaluated: 0, matched: 0, errors: 0, totalNs: 0 });
  const newest = current.reduce((a, b) => (a.at >= b.at ? a : b));
  const lastError = [...current].sort((a, b) => b.at.localeCompare(a.at)).find((r) => r.lastError)?.lastError;
  return {
    filterId,
    version,
    evaluated: total.evaluated,
    matched: total.matched,
    errors: total.errors,
    meanEvalMicros: total.evaluated > 0 ? total.totalNs / total.evaluated / 1_000 : null,
    lastError: lastError ? { code: lastError.code, message: lastError.message } : null,
    reporters: current.length,
    updatedAt: newest.at,
  };
}

/** Counters of the filter engine running in this process (`nightjar run` with worker and api roles together). */
export function inProcessStatsSource(lookup: (filterId: string) => FilterStats | undefined, activeVersion: (filterId: string) => number | null, clock: () => Date = () => new Date()): FilterStatsSource {
  return {
    stats(filterId) {
      const stats = lookup(filterId);
      const version = activeVersion(filterId);
      if (!stats || version === null) return undefined;
      return summarise(filterId, [{ ...stats, filterId, version, instance: 'local', at: clock().toISOString() }]);
    },
  };
}

/** Counters reported by every worker on a compacted stats topic. */
export class TopicStatsSource implements FilterStatsSource {
  constructor(private readonly state: KeyedState<FilterStatsRecord>) {}

  static create(kafka: Kafka, topic: string, logger: Logger): TopicStatsSource {
    return new TopicStatsSource(new StateTopic<FilterStatsRecord>({ kafka, topic, logger, parse: parseStatsRecord }));
  }

  start(): Promise<void> {
    return this.state.start();
  }

  stop(): Promise<void> {
    return this.state.stop();
  }

  stats(filterId: string): FilterStatsView | undefined {
    return summarise(filterId, this.state.values().filter((r) => r.filterId === filterId));
  }
}

export function parseStatsRecord(value: unknown, key: string): FilterStatsRecord {
  const r = value as Partial<FilterStatsRecord>;
  if (typeof r !== 'object' || r === null) throw new Error('not an object');
  if (typeof r.filterId !== 'string' || typeof r.instance !== 'string' || key !== statsRecordKey(r.filterId, r.instance)) throw new Error('key does not match filterId@instance');
  for (const n of [r.version, r.evaluated, r.matched, r.errors, r.totalNs]) if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error('counters must be numbers');
  if (typeof r.at !== 'string') throw new Error('at missing');
  return r as FilterStatsRecord;
}
