import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleNames } from '../../src/cli/roles.js';
import { startRoles, type RunningRoles } from '../../src/cli/run.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import type { Config } from '../../src/config/index.js';
import { ensureTopics, topicPlan } from '../../src/kafka/admin.js';
import { silentLogger } from '../../src/log/logger.js';
import { testConfig, uniqueName, withKafka, type KafkaKit } from '../helpers/index.js';
import { dashboardQueries, loadDashboards } from '../helpers/dashboards.js';
import { declaredMetrics, grafanaQueryMetricNames, resolveMetric } from '../helpers/promql.js';
import { freePort } from './support/roles.js';

/**
 * Metrics a dashboard may query before the code exporting them has landed: listed here by name
 * (never skipped silently), reported as pending; a listed name the process exports makes the test
 * fail, so the list only shrinks. Empty: the websocket and jobs metrics are exported.
 */
const PENDING: string[] = [];

/**
 * Every metric a Grafana dashboard in dashboards/ queries is declared (`# HELP` and `# TYPE`) by
 * /metrics of a process running every role, before any alert flowed: labelled counters that only
 * get series after an event must be registered from the start, or their panels stay empty.
 */
describe('dashboards query only metrics that /metrics exports', () => {
  let kit: KafkaKit;
  let config: Config;
  let running: RunningRoles;
  let clickhouse: ClickHouseClient;

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    const prefix = uniqueName('dash');
    const base = testConfig();
    // Every topic of the configuration, unique to this run (platform state compacted, as in production).
    const topics = Object.fromEntries(Object.entries(base.topics).filter(([, value]) => typeof value === 'string').map(([key]) => [key, `${prefix}.${key}`]));
    config = testConfig({
      topics: { ...topics, input: [topics.ztf!, topics.lsst!] },
      api: { host: '127.0.0.1', port: await freePort() },
      clickhouse: { database: uniqueName('nightjar_test_dash').replace(/-/g, '_') },
      runner: { instanceId: uniqueName('dash'), groupPrefix: uniqueName('dash') },
    });
    await ensureTopics(config, silentLogger(), kit.kafka);
    clickhouse = createClickHouse(config);
    await runMigrations(clickhouse, config, silentLogger());
    running = await startRoles([...roleNames], { config, logger: silentLogger() }, { signals: false });
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    if (config) {
      await kit?.admin.deleteTopics({ topics: topicPlan(config).map((spec) => spec.topic) }).catch(() => undefined);
      await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    }
    await clickhouse?.close();
  });

  it('declares every metric of every dashboard query', async () => {
    const response = await fetch(`http://127.0.0.1:${config.api.port}/metrics`);
    expect(response.status).toBe(200);
    const exposition = await response.text();
    const declared = declaredMetrics(exposition);

    const queries = dashboardQueries(loadDashboards());
    expect(queries.length).toBeGreaterThan(40);
    const missing = new Map<string, string[]>();
    const used = new Set<string>();
    for (const query of queries) {
      for (const name of grafanaQueryMetricNames(query.expr)) {
        const metric = resolveMetric(name, declared);
        if (metric) {
          used.add(metric);
          expect(exposition, metric).toContain(`# HELP ${metric} `);
        } else missing.set(name, [...(missing.get(name) ?? []), query.where]);
      }
    }
    const unexpected = [...missing].filter(([name]) => !PENDING.includes(name)).map(([name, where]) => `${name} (${[...new Set(where)].join('; ')})`);
    expect(unexpected, 'queried by a dashboard but not exported by /metrics').toEqual([]);
    const landed = PENDING.filter((name) => resolveMetric(name, declared));
    expect(landed, 'exported now: remove from PENDING in this test').toEqual([]);
    if (missing.size > 0) console.warn(`dashboards: pending metrics not exported yet: ${[...missing.keys()].join(', ')}`);
    // The dashboards cover each role's own metrics, not only process metrics.
    for (const metric of ['nightjar_alerts_consumed_total', 'nightjar_sink_rows_total', 'nightjar_http_requests_total', 'nightjar_runner_consumer_lag']) expect(used).toContain(metric);
  });
});
