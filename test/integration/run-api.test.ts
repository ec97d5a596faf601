import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../src/cli/run.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import type { Config } from '../../src/config/index.js';
import { kafkaPaths } from '../../src/services/kafka-local.js';
import { userTopic } from '../../src/filter/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { ensureFirstAdmin } from '../../src/platform/bootstrap.js';
import { consumeAll, testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { sampleMessages } from './support/alerts.js';
import { freePort, roleTopics } from './support/roles.js';

/**
 * `nightjar run --roles worker,api` as one process runs it: the first administrator bootstraps a
 * user through the API, the user's filter (created and activated over HTTP) matches real alerts
 * on their topic, and the worker's per-filter counters reach GET /filters/{id}/stats. The sink
 * archives the run; afterwards no token is found in clear on the broker's disk or in the archive.
 */
describe('worker, sink and api roles in one process', () => {
  let kit: KafkaKit;
  let config: Config;
  let running: RunningRoles;
  let base: string;
  let clickhouse: ClickHouseClient;

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = testConfig({
      topics: await roleTopics(kit, 'ra'),
      filters: { statsIntervalMs: 300 },
      api: { host: '127.0.0.1', port: await freePort() },
      clickhouse: { database: uniqueName('nightjar_test_run').replace(/-/g, '_') },
      sink: { flushMs: 100 },
      runner: { instanceId: uniqueName('ra'), groupPrefix: uniqueName('ra'), topicRefreshMs: 500 },
    });
    clickhouse = createClickHouse(config);
    await runMigrations(clickhouse, config, silentLogger());
    running = await startRoles(['worker', 'sink', 'api'], { config, logger: silentLogger() }, { signals: false });
    base = `http://127.0.0.1:${config.api.port}/api/v1`;
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await clickhouse?.close();
  });

  /** Every file of the local broker's log directory (all topics' segments) that holds the text. */
  function kafkaFilesContaining(text: string): string[] {
    const needle = Buffer.from(text);
    const found: string[] = [];
    // Kafka renames and removes the directories of deleted topics (other tests') while we walk.
    const gone = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';
    const walk = (dir: string): void => {
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (error) {
        if (gone(error)) return;
        throw error;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else {
          try {
            if (readFileSync(path).includes(needle)) found.push(path);
          } catch (error) {
            if (!gone(error)) throw error;
          }
        }
      }
    };
    walk(kafkaPaths(config).data);
    return found;
  }

  /** Every String column of every table of the run's archive database whose values contain the text. */
  async function archiveColumnsContaining(text: string): Promise<string[]> {
    const columns = await (await clickhouse.query({ query: `SELECT table, name FROM system.columns WHERE database = '${config.clickhouse.database}' AND type LIKE '%String%'`, format: 'JSONEachRow' })).json<{ table: string; name: string }>();
    expect(columns.length).toBeGreaterThan(5);
    // One query per table, counting every String column at once.
    const byTable = new Map<string, string[]>();
    for (const { table, name } of columns) byTable.set(table, [...(byTable.get(table) ?? []), name]);
    const found: string[] = [];
    for (const [table, names] of byTable) {
      const counts = names.map((name, i) => `countIf(position(toString(\`${name}\`), '${text}') > 0) AS c${i}`).join(', ');
      const [row] = await (await clickhouse.query({ query: `SELECT ${counts} FROM ${config.clickhouse.database}.\`${table}\``, format: 'JSONEachRow' })).json<Record<string, string>>();
      names.forEach((name, i) => {
        if (Number(row![`c${i}`]) > 0) found.push(`${table}.${name}`);
      });
    }
    return found;
  }

  async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: response.status, json: await response.json() };
  }

  it('bootstraps an administrator once, who creates a user whose filter matches real alerts and reports statistics', async () => {
    const first = await ensureFirstAdmin(running.services!.platform, silentLogger());
    expect(first.created).toBe(true);
    expect((await ensureFirstAdmin(running.services!.platform, silentLogger())).created).toBe(false);

    const alice = uniqueName('alice');
    expect((await call(first.token!, 'POST', '/users', { name: alice })).status).toBe(201);
    const issued = await call(first.token!, 'POST', '/tokens', { user: alice, scopes: ['read', 'write'] });
    expect(issued.status).toBe(201);
    const token = issued.json.token as string;
    // The tokens topic holds the SHA-256 of each token, never the token itself.
    const records = await consumeAll(kit.kafka, config.topics.tokens, { count: 2, settleMs: 200 });
    expect(records.length).toBeGreaterThanOrEqual(2);
    const everything = records.map((r) => `${r.key} ${r.value}`).join('\n');
    for (const secret of [first.token!, token]) {
      expect(everything).not.toContain(secret);
      expect(everything).toContain(createHash('sha256').update(secret).digest('hex'));
    }

    const id = uniqueName('bright');
    expect((await call(token, 'POST', '/filters', { id, expression: 'mag < 30 and survey == "ztf"' })).status).toBe(201);
    expect((await call(token, 'POST', `/filters/${id}/activate`, {})).status).toBe(200);
    // The worker follows the same filters topic; its engine has the version once it reports it.
    await waitFor(async () => (await call(token, 'GET', `/filters/${id}`)).json.state === 'active', { message: 'active filter' });
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const messages = await sampleMessages();
    await kit.producer.send({ topic: config.topics.input[0]!, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    const matches = await consumeAll(kit.kafka, userTopic(alice), { count: 1, timeoutMs: 60_000 });
    expect(matches.length).toBeGreaterThan(0);
    expect(matches.every((m) => JSON.parse(m.value!).alert.survey === 'ztf')).toBe(true);

    await waitFor(async () => (await call(token, 'GET', `/filters/${id}/stats`)).json.matched >= matches.length, { timeoutMs: 30_000, message: 'statistics reported' });
    const stats = (await call(token, 'GET', `/filters/${id}/stats`)).json;
    expect(stats.evaluated).toBeGreaterThanOrEqual(stats.matched);
    expect(stats.version).toBe(1);

    // Another user sees neither the filter nor its statistics.
    const bob = uniqueName('bob');
    await call(first.token!, 'POST', '/users', { name: bob });
    const bobToken = (await call(first.token!, 'POST', '/tokens', { user: bob, scopes: ['read'] })).json.token as string;
    expect((await call(bobToken, 'GET', `/filters/${id}/stats`)).status).toBe(404);

    // The archive got the run's alerts and matches; no token is in clear in any topic's log
    // segment on the broker's disk, nor in any archive table.
    await waitFor(async () => Number((await (await clickhouse.query({ query: `SELECT count() AS n FROM ${config.clickhouse.database}.matches`, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n) >= matches.length, { timeoutMs: 30_000, message: 'matches archived' });
    const alertIdSeen = JSON.parse(matches[0]!.value!).alert.alertId as string;
    expect(kafkaFilesContaining(alertIdSeen).length).toBeGreaterThan(0);
    expect(await archiveColumnsContaining(alertIdSeen)).not.toEqual([]);
    for (const secret of [first.token!, token, bobToken]) {
      expect(kafkaFilesContaining(secret)).toEqual([]);
      expect(await archiveColumnsContaining(secret)).toEqual([]);
    }
    await kit.admin.deleteTopics({ topics: [userTopic(alice)] }).catch(() => undefined);
  }, 120_000);
});
