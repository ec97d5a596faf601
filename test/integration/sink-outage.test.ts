import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { catalogueColumns } from '../../src/sink/columns.js';
import type { SinkMessage } from '../../src/sink/rows.js';
import { createArchiveTables } from '../../src/sink/schema.js';
import { SinkStage } from '../../src/sink/stage.js';
import { clickhouseWriter } from '../../src/sink/writer.js';
import { testFields } from '../unit/sink/fixture.js';
import { realZtfEnriched, ThrowawayClickHouse, uniqueName, waitFor } from './sink-support.js';

/**
 * ClickHouse dies (SIGKILL) while the sink is writing and comes back on the same data path: every
 * alert must be stored exactly once. Runs against its own throwaway server, never the shared one.
 */
const server = new ThrowawayClickHouse();
const database = uniqueName('nightjar_test_outage');
const config = loadConfig({ overrides: { sink: { flushMs: 1, batchRows: 5_000 }, runner: { retryInitialMs: 100, retryMaxMs: 500 } } });
const registry = new Registry();
let client: ClickHouseClient;

/** 20 copies of each real alert under distinct ids: 320 alerts in batches of 8. */
function batches(): SinkMessage[][] {
  const alerts = realZtfEnriched().flatMap((alert) => Array.from({ length: 20 }, (_, copy) => ({ ...alert, alertId: `${alert.alertId as string}-${copy}` })));
  const messages = alerts.map((alert, i) => ({ topic: config.topics.enriched, partition: 0, offset: String(i), value: Buffer.from(JSON.stringify(alert)) }));
  return Array.from({ length: Math.ceil(messages.length / 8) }, (_, i) => messages.slice(i * 8, i * 8 + 8));
}

async function scalar(sql: string): Promise<number> {
  const result = await client.query({ query: sql, format: 'JSONEachRow' });
  return Number(Object.values((await result.json<Record<string, string>>())[0]!)[0]);
}

beforeAll(async () => {
  await server.start();
  client = createClient({ url: server.url, request_timeout: 3_000, log: { level: ClickHouseLogLevel.OFF } });
  await client.command({ query: `CREATE DATABASE ${database}` });
  await createArchiveTables(client, database, testFields);
});

afterAll(async () => {
  await client?.close();
  await server.destroy();
});

describe('sink during a ClickHouse outage', () => {
  it('holds the batch while ClickHouse is down and stores every alert exactly once after it returns', async () => {
    const work = batches();
    const sink = new SinkStage({ config, writer: clickhouseWriter(client, database), columns: catalogueColumns(testFields), logger: silentLogger(), registry });
    let stored = 0;
    const running = (async () => {
      for (const batch of work) {
        await sink.process(batch);
        stored++;
      }
    })();

    await waitFor(() => stored >= 10, 60_000, 'ten batches stored');
    await server.kill();
    await waitFor(async () => (await registry.getSingleMetricAsString('nightjar_sink_waiting_for_clickhouse')).includes('waiting_for_clickhouse 1'), 30_000, 'the sink to notice the outage');
    const heldAt = stored;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    // Nothing moves on while the server is down: the batch in hand is held, not dropped.
    expect(stored).toBe(heldAt);
    expect(stored).toBeLessThan(work.length);

    await server.start();
    await running;

    expect(stored).toBe(work.length);
    const total = work.flat().length;
    expect(await scalar(`SELECT count() FROM ${database}.alerts FINAL`)).toBe(total);
    expect(await scalar(`SELECT uniqExact(alertId) FROM ${database}.alerts`)).toBe(total);
    expect(await scalar(`SELECT count() FROM ${database}.alert_positions FINAL`)).toBe(total);
    expect(await scalar(`SELECT count() FROM ${database}.cutouts FINAL`)).toBe(total * 3);
    expect(await registry.getSingleMetricAsString('nightjar_sink_waiting_for_clickhouse')).toContain('waiting_for_clickhouse 0');
    expect(await registry.getSingleMetricAsString('nightjar_sink_clickhouse_unavailable_total')).toMatch(/unavailable_total [1-9]/);
    sink.close();
  });
});
