import { spawn } from 'node:child_process';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { startApiServices, type RunningApiServices } from '../../src/api/services.js';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { ensureFirstAdmin } from '../../src/platform/bootstrap.js';
import { testConfig, withKafka, type KafkaKit } from '../helpers/index.js';
import { roleTopics } from './support/roles.js';
import { allFields } from '../../src/alert/catalogue.js';
import '../../src/alert/fields.js';
import { archiveQueries } from '../../src/clickhouse/archive-queries.js';
import { clickhouseUrl } from '../../src/config/index.js';
import { catalogueColumns } from '../../src/sink/columns.js';
import { createArchiveTables } from '../../src/sink/schema.js';
import { SinkStage } from '../../src/sink/stage.js';
import { clickhouseWriter } from '../../src/sink/writer.js';
import { realZtfEnriched, uniqueName as uniqueDatabase } from './sink-support.js';

/**
 * schemathesis (from PyPI, see scripts/schemathesis.sh) generates requests for every operation of
 * /openapi.json, valid and invalid, with an administrator's token, and checks every answer: never a
 * 5xx, status codes, content types, headers and bodies as the document says.
 */
describe('API conformance to its OpenAPI document (schemathesis)', () => {
  let kit: KafkaKit;
  let config: Config;
  let services: RunningApiServices;
  let app: FastifyInstance;
  let base: string;
  let token: string;
  let clickhouse: ClickHouseClient;
  const database = uniqueDatabase('nightjar_test_schemathesis');

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = testConfig({
      // Its own topics for everything it may write (users, tokens, filters, jobs, watchlists).
      topics: await roleTopics(kit, 'st'),
    });
    // The archive routes answer from a real archive: the real ZTF alerts stored by the sink's own stage.
    clickhouse = createClient({ url: clickhouseUrl(config), log: { level: ClickHouseLogLevel.OFF } });
    await clickhouse.command({ query: `CREATE DATABASE ${database}` });
    await createArchiveTables(clickhouse, database, allFields());
    const columns = catalogueColumns(allFields());
    const sink = new SinkStage({ config: { ...config, sink: { ...config.sink, flushMs: 1 } }, writer: clickhouseWriter(clickhouse, database), columns, logger: silentLogger(), registry: new Registry() });
    await sink.process(realZtfEnriched().map((alert, offset) => ({ topic: config.topics.enriched, partition: 0, offset: String(offset), key: null, value: Buffer.from(JSON.stringify(alert)), timestamp: String(Date.now()) })) as never);
    // Generated requests arrive faster than any person's; the limiter is tested elsewhere.
    services = await startApiServices(kit.kafka, config, silentLogger(), { rateLimit: { max: 1_000_000, timeWindowMs: 60_000 }, archive: archiveQueries(clickhouse, database, columns) });
    app = buildApi({ config, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), readiness: [], services });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    token = (await ensureFirstAdmin(services.platform, silentLogger())).token!;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await services?.stop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await clickhouse?.close();
  });

  it('finds no server error and no answer that breaks the document', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('bash', ['scripts/schemathesis.sh', base, token, '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (exit) => resolve({ code: exit, output }));
    });
    const cases = /(\d+) generated, (\d+) passed/.exec(output);
    expect(cases, output.slice(-6_000)).not.toBeNull();
    expect(Number(cases![1])).toBeGreaterThan(500);
    expect(cases![2]).toBe(cases![1]);
    expect(code, output.slice(-6_000)).toBe(0);
  }, 600_000);
});
