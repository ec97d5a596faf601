import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { appliedVersions, loadMigrations, runMigrations } from '../../src/clickhouse/migrate.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { cleanupPolicies, ensureTopics, topicPlan } from '../../src/kafka/admin.js';
import { createKafka } from '../../src/kafka/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { servicesStatus, startServices } from '../../src/services/index.js';
import { uniqueName } from '../helpers/index.js';

/**
 * The launcher as the README and the global setup use it. The global setup pointed the
 * environment at the services it started or found; the launcher's own view of them comes from the
 * configuration without those variables (default state directory and ports), unless the run was
 * pointed at existing services from the outside.
 */
const logger = silentLogger();
const config = loadConfig({ overrides: { log: { level: 'silent' } } });
const launcherConfig = launcherView();

function launcherView(): Config {
  const external = process.env.NIGHTJAR_TEST_EXTERNAL === '1';
  if (external) return config;
  const env = { ...process.env };
  // The global setup exported these for the tests; they were not set when it called the launcher
  // unless the run targets existing services (then the launcher only checks them either way).
  if (env.NIGHTJAR_KAFKA_BROKERS === `127.0.0.1:${config.kafka.port}`) delete env.NIGHTJAR_KAFKA_BROKERS;
  if (env.NIGHTJAR_CLICKHOUSE_URL === `http://127.0.0.1:${config.clickhouse.httpPort}`) delete env.NIGHTJAR_CLICKHOUSE_URL;
  return loadConfig({ env, overrides: { log: { level: 'silent' } } });
}

describe('local services launcher', () => {
  it('reports every service healthy after the global setup', async () => {
    const statuses = await servicesStatus(launcherConfig);
    expect(statuses.map((s) => s.name).sort()).toEqual(['clickhouse', 'kafka']);
    for (const status of statuses) {
      expect(status.healthy, `${status.name} healthy`).toBe(true);
      if (status.mode === 'local') {
        expect(status.running).toBe(true);
        expect(status.pid).toBeGreaterThan(0);
        expect(status.logFile).toMatch(/server\.log$/);
      }
    }
  });

  it('provides the endpoints the tests use', () => {
    expect(inject('kafkaBrokers')).toBe(config.kafka.brokers.join(','));
    expect(inject('clickhouseUrl')).toBe(config.clickhouse.url);
  });

  it('does nothing on a second start: same processes, nothing launched', async () => {
    const before = await servicesStatus(launcherConfig);
    const results = await startServices(launcherConfig, logger);
    expect(results.every((r) => !r.started)).toBe(true);
    const after = await servicesStatus(launcherConfig);
    expect(after.map((s) => s.pid)).toEqual(before.map((s) => s.pid));
    expect(results.map((r) => r.pid)).toEqual(before.map((s) => s.pid));
  });
});

describe('ensureTopics', () => {
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  const prefix = uniqueName('svc');
  const own = loadConfig({
    overrides: {
      log: { level: 'silent' },
      topics: Object.fromEntries(
        Object.entries(config.topics).filter(([, value]) => typeof value === 'string').map(([key]) => [key, `${prefix}.${key}`]),
      ),
    },
  });
  afterAll(async () => {
    await admin.deleteTopics({ topics: topicPlan(own).map((spec) => spec.topic) }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates the missing topics once, compacting the platform state topics', async () => {
    await admin.connect();
    const first = await ensureTopics(own, logger);
    expect(first.created.sort()).toEqual(topicPlan(own).map((spec) => spec.topic).sort());
    const second = await ensureTopics(own, logger);
    expect(second.created).toEqual([]);
    expect(second.existing.length).toBe(first.created.length);

    const policies = await cleanupPolicies(admin, first.created);
    for (const key of ['users', 'tokens', 'filters', 'watchlists', 'jobs', 'models', 'filterStats']) expect(policies.get(`${prefix}.${key}`), key).toBe('compact');
    for (const key of ['ztf', 'lsst', 'enriched', 'deadLetter', 'notices']) expect(policies.get(`${prefix}.${key}`), key).toBe('delete');
    const metadata = await admin.fetchTopicMetadata({ topics: [`${prefix}.enriched`] });
    expect(metadata.topics[0]!.partitions).toHaveLength(own.kafka.partitions);
  });

  it('left the default topics in place after the global setup', async () => {
    await admin.connect();
    const topics = new Set(await admin.listTopics());
    for (const spec of topicPlan(config)) expect(topics.has(spec.topic), spec.topic).toBe(true);
    const policies = await cleanupPolicies(admin, [config.topics.filters, config.topics.enriched]);
    expect(policies.get(config.topics.filters)).toBe('compact');
    expect(policies.get(config.topics.enriched)).toBe('delete');
  });
});

describe('ClickHouse migrations', () => {
  const own = loadConfig({ overrides: { log: { level: 'silent' }, clickhouse: { database: uniqueName('svc_db').replace(/-/g, '_') } } });
  const client = createClickHouse(own);
  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${own.clickhouse.database}` });
    await client.close();
  });

  it('applies every migration once; a second run applies nothing and records nothing new', async () => {
    const versions = (await loadMigrations()).map((m) => m.version);
    expect(versions[0]).toBe(1);
    const first = await runMigrations(client, own, logger);
    expect(first).toEqual({ applied: versions, skipped: [] });
    const recorded = await appliedVersions(client, own.clickhouse.database);
    expect(recorded).toEqual(versions);

    const second = await runMigrations(client, own, logger);
    expect(second).toEqual({ applied: [], skipped: versions });
    const rows = await client.query({ query: `SELECT count() AS n FROM ${own.clickhouse.database}.schema_migrations`, format: 'JSONEachRow' });
    expect(Number((await rows.json<{ n: string }>())[0]!.n)).toBe(versions.length);
  });

  it('creates dead_letters with the columns the sink writes', async () => {
    await runMigrations(client, own, logger);
    const result = await client.query({
      query: `SELECT name, type FROM system.columns WHERE database = '${own.clickhouse.database}' AND table = 'dead_letters'`, // in table order: ClickHouse 18.16 has no system.columns.position
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { name: 'received_at', type: 'DateTime' },
      { name: 'topic', type: 'String' },
      { name: 'partition', type: 'UInt32' },
      { name: 'offset', type: 'UInt64' },
      { name: 'code', type: 'String' },
      { name: 'reason', type: 'String' },
      { name: 'size', type: 'UInt32' },
      { name: 'payload', type: 'String' },
    ]);
    // The same source position twice is one row once merged (FINAL), as a replay must be.
    const row = { received_at: 1_700_000_000, topic: 't', partition: 0, offset: '42', code: 'DECODE_EMPTY', reason: 'empty', size: 0, payload: '' };
    await client.insert({ table: `${own.clickhouse.database}.dead_letters`, values: [row, row], format: 'JSONEachRow' });
    const count = await client.query({ query: `SELECT count() AS n FROM ${own.clickhouse.database}.dead_letters FINAL`, format: 'JSONEachRow' });
    expect(Number((await count.json<{ n: string }>())[0]!.n)).toBe(1);
  });
});
