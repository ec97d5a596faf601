import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { NightjarError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { catalogueColumns } from '../../../src/sink/columns.js';
import { backoffMs } from '../../../src/sink/persist.js';
import type { ArchiveRows } from '../../../src/sink/rows.js';
import { chunks, SinkStage } from '../../../src/sink/stage.js';
import type { ArchiveWriter } from '../../../src/sink/writer.js';
import { classifyClickHouseError } from '../../../src/sink/writer.js';
import { testFields, ztfEnriched } from './fixture.js';

const config = loadConfig({ env: {}, overrides: { sink: { batchRows: 3, flushMs: 1_000 }, runner: { retryInitialMs: 100, retryMaxMs: 1_000 } } });

/** A writer that fails with CLICKHOUSE_UNAVAILABLE for the first `outage` inserts and answers pings `healthyAfter` probes later. */
function flakyWriter(outage: number, healthyAfter = 2) {
  const stored: ArchiveRows[] = [];
  let failures = 0;
  let probes = 0;
  const writer: ArchiveWriter = {
    async insert(rows) {
      if (failures < outage) {
        failures++;
        probes = 0;
        throw new NightjarError('CLICKHOUSE_UNAVAILABLE', 'connect ECONNREFUSED');
      }
      stored.push(rows);
    },
    async healthy() {
      return ++probes >= healthyAfter;
    },
  };
  return { writer, stored };
}

function stage(writer: ArchiveWriter, sleeps: number[], clock = { t: 1_000_000 }) {
  return new SinkStage({
    config,
    writer,
    columns: catalogueColumns(testFields),
    logger: silentLogger(),
    registry: new Registry(),
    now: () => new Date(clock.t),
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.t += ms;
    },
  });
}

const enriched = (i: number) => ({ topic: config.topics.enriched, partition: 0, offset: String(i), key: null, value: Buffer.from(JSON.stringify({ ...ztfEnriched(), alertId: String(1000 + i) })), headers: {}, timestamp: '1767322800000' });

describe('SinkStage', () => {
  it('stores every row and produces nothing, so offsets are committed only after the insert', async () => {
    const { writer, stored } = flakyWriter(0);
    const out = await stage(writer, []).process([enriched(1), enriched(2)]);
    expect(out).toEqual([]);
    expect(stored.flatMap((r) => r.alerts.map((a) => a.alertId))).toEqual(['1001', '1002']);
  });

  it('keeps waiting for ClickHouse past any retry budget, then stores the batch once', async () => {
    const { writer, stored } = flakyWriter(12);
    const sleeps: number[] = [];
    await stage(writer, sleeps).process([enriched(1)]);
    expect(stored.flatMap((r) => r.alerts)).toHaveLength(1);
    expect(stored.flatMap((r) => r.lightcurve_points)).toHaveLength(4);
    // 12 outages, each waiting two probes: more than config.runner.retries (8) attempts.
    expect(sleeps.length).toBeGreaterThanOrEqual(24);
    expect(Math.max(...sleeps)).toBeLessThanOrEqual(1_000);
  });

  it('does not retry an insert ClickHouse refuses outright', async () => {
    const writer: ArchiveWriter = { insert: async () => Promise.reject(new NightjarError('SINK_INSERT_REJECTED', 'Code: 27 cannot parse')), healthy: async () => true };
    await expect(stage(writer, []).process([enriched(1)])).rejects.toMatchObject({ code: 'SINK_INSERT_REJECTED' });
  });

  it('fails the batch when closed during an outage, leaving it uncommitted', async () => {
    const { writer, stored } = flakyWriter(Infinity);
    const sink = new SinkStage({ config, writer, columns: catalogueColumns(testFields), logger: silentLogger(), registry: new Registry() });
    const pending = sink.process([enriched(1)]);
    setTimeout(() => sink.close(), 50);
    await expect(pending).rejects.toThrow();
    expect(stored).toHaveLength(0);
    sink.close();
  });

  it('holds a small batch until flushMs after the previous insert, but not a full one', async () => {
    const { writer } = flakyWriter(0);
    const sleeps: number[] = [];
    const clock = { t: 5_000_000 };
    const sink = stage(writer, sleeps, clock);
    await sink.process([enriched(1)]);
    clock.t += 300;
    await sink.process([enriched(2)]);
    expect(sleeps).toEqual([700]);
    await sink.process([enriched(3), enriched(4), enriched(5)]);
    expect(sleeps).toEqual([700]);
  });

  it('splits tables into inserts of at most sink.batchRows rows', async () => {
    const { writer, stored } = flakyWriter(0);
    await stage(writer, []).process([enriched(1), enriched(2)]);
    // 2 alerts × 4 light-curve points = 8 points → chunks of 3, 3, 2.
    expect(stored.map((r) => r.lightcurve_points.length)).toEqual([3, 3, 2]);
    expect(stored.map((r) => r.alerts.length)).toEqual([2, 0, 0]);
    expect(chunks({ alerts: [], alert_positions: [], objects: [], lightcurve_points: [], cutouts: [], matches: [], dead_letters: [] }, 3)).toEqual([]);
  });
});

describe('retry policy', () => {
  it('backs off exponentially with jitter up to the ceiling', () => {
    const opts = { initialDelayMs: 100, maxDelayMs: 1_000 };
    expect(backoffMs(0, opts, () => 0)).toBe(50);
    expect(backoffMs(0, opts, () => 1)).toBe(100);
    expect(backoffMs(3, opts, () => 1)).toBe(800);
    expect(backoffMs(50, opts, () => 1)).toBe(1_000);
  });

  it('calls refused connections and transient server codes unavailable, other server errors rejections', () => {
    expect(classifyClickHouseError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }), 'alerts').code).toBe('CLICKHOUSE_UNAVAILABLE');
    expect(classifyClickHouseError(new Error('socket hang up'), 'alerts').retriable).toBe(true);
    expect(classifyClickHouseError(new Error('Code: 252, e.displayText() = DB::Exception: Too many parts'), 'alerts').code).toBe('CLICKHOUSE_UNAVAILABLE');
    const rejected = classifyClickHouseError(new Error("Code: 60, e.displayText() = DB::Exception: Table x.y doesn't exist."), 'alerts');
    expect(rejected).toMatchObject({ code: 'SINK_INSERT_REJECTED', retriable: false, details: { table: 'alerts', serverCode: 60 } });
  });
});
