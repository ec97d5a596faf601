import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRoles, type RunningRoles } from '../../src/cli/run.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import type { Config } from '../../src/config/index.js';
import { userTopic } from '../../src/filter/model.js';
import { gunzipIfNeeded } from '../../src/api/cutouts/fits-image.js';
import { silentLogger } from '../../src/log/logger.js';
import { ensureFirstAdmin } from '../../src/platform/bootstrap.js';
import { consumeAll, testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { expectedAlerts, sampleMessages } from './support/alerts.js';
import { freePort, roleTopics } from './support/roles.js';

/**
 * Jobs end to end: the worker, sink, api and jobs roles in one process over real Kafka and
 * ClickHouse. Real alerts are archived; a backfill of a filter gives what the live filter gave;
 * a filter on a later point does not see it; query and export jobs read the archive; nobody else
 * sees a user's jobs.
 */
describe('jobs over the archive, through the API', () => {
  let kit: KafkaKit;
  let config: Config;
  let running: RunningRoles;
  let base: string;
  let clickhouse: ClickHouseClient;
  let admin: string;
  let alice: string;
  let aliceToken: string;
  let bobToken: string;

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = testConfig({
      topics: await roleTopics(kit, 'jb'),
      api: { host: '127.0.0.1', port: await freePort() },
      clickhouse: { database: uniqueName('nightjar_test_jobs').replace(/-/g, '_') },
      sink: { flushMs: 100 },
      runner: { instanceId: uniqueName('jb'), groupPrefix: uniqueName('jb'), topicRefreshMs: 500 },
      jobs: { pageSize: 7 },
    });
    clickhouse = createClickHouse(config);
    await runMigrations(clickhouse, config, silentLogger());
    running = await startRoles(['worker', 'sink', 'api', 'jobs'], { config, logger: silentLogger() }, { signals: false });
    base = `http://127.0.0.1:${config.api.port}/api/v1`;
    admin = (await ensureFirstAdmin(running.services!.platform, silentLogger())).token!;
    alice = uniqueName('alice');
    const bob = uniqueName('bob');
    for (const user of [alice, bob]) expect((await call(admin, 'POST', '/users', { name: user })).status).toBe(201);
    aliceToken = (await call(admin, 'POST', '/tokens', { user: alice, scopes: ['read', 'write'] })).json.token;
    bobToken = (await call(admin, 'POST', '/tokens', { user: bob, scopes: ['read', 'write'] })).json.token;
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    await kit?.admin.deleteTopics({ topics: [userTopic(alice)] }).catch(() => undefined);
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await clickhouse?.close();
  });

  async function call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any; text: string; headers: Headers }> {
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const text = await response.text();
    let json: any;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, json, text, headers: response.headers };
  }

  async function archived(): Promise<number> {
    const [row] = await (await clickhouse.query({ query: `SELECT count() AS n FROM ${config.clickhouse.database}.alerts FINAL`, format: 'JSONEachRow' })).json<{ n: string }>();
    return Number(row!.n);
  }

  /** Submits a job and waits for it to finish; returns its final record. */
  async function runJob(token: string, kind: string, params: Record<string, unknown>): Promise<any> {
    const submitted = await call(token, 'POST', '/jobs', { kind, params });
    expect(submitted.status, submitted.text).toBe(202);
    expect(submitted.headers.get('location')).toBe(`/api/v1/jobs/${submitted.json.id}`);
    return waitFor(
      async () => {
        const job = (await call(token, 'GET', `/jobs/${submitted.json.id}`)).json;
        return ['succeeded', 'failed', 'cancelled'].includes(job.state) ? job : undefined;
      },
      { timeoutMs: 60_000, message: `${kind} job finished` },
    );
  }

  async function lines(token: string, id: string): Promise<string[]> {
    const results = await call(token, 'GET', `/jobs/${id}/results`);
    expect(results.status, results.text).toBe(200);
    return results.text.split('\n').filter((line) => line !== '');
  }

  let liveMatches: string[] = [];
  let later: Record<string, any>;
  let earlier: Record<string, any>;

  it('backfills a filter over the archive with exactly the matches the live filter delivered', async () => {
    // A light-curve filter: only alerts whose own history has enough detections match.
    const id = uniqueName('rising');
    expect((await call(aliceToken, 'POST', '/filters', { id, expression: 'ndet() >= 3 or (survey == "lsst" and snr > 10)' })).status).toBe(201);
    expect((await call(aliceToken, 'POST', `/filters/${id}/activate`, {})).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const messages = await sampleMessages();
    const expected = await expectedAlerts(messages, config);
    await kit.producer.send({ topic: config.topics.input[0]!, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    await waitFor(async () => (await archived()) >= new Set(expected.map((a) => `${a.survey}/${a.alertId}`)).size, { timeoutMs: 90_000, message: 'alerts archived' });
    const live = await consumeAll(kit.kafka, userTopic(alice), { count: 1, timeoutMs: 30_000, settleMs: 3_000 });
    liveMatches = [...new Set(live.map((m) => JSON.parse(m.value!).alert.alertId as string))].sort();
    expect(liveMatches.length).toBeGreaterThan(0);
    expect(liveMatches.length).toBeLessThan(expected.length);

    const job = await runJob(aliceToken, 'backfill', { filterId: id, since: 0, until: 100_000 });
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect(job.result.evaluated).toBe(await archived());
    const backfilled = (await lines(aliceToken, job.id)).map((line) => JSON.parse(line));
    expect(backfilled.map((m) => m.alertId).sort()).toEqual(liveMatches);
    expect(backfilled.every((m) => m.filterId === id && m.version === 1)).toBe(true);

    // Delivered to the owner's topic as well: the same matches again, marked with the job's id.
    const delivering = await runJob(aliceToken, 'backfill', { filterId: id, since: 0, until: 100_000, deliver: true });
    expect(delivering.state, JSON.stringify(delivering.error)).toBe('succeeded');
    expect(delivering.result.delivered).toBe(liveMatches.length);
    const onTopic = await consumeAll(kit.kafka, userTopic(alice), { count: live.length + liveMatches.length, timeoutMs: 30_000, settleMs: 1_000 });
    const replayed = onTopic.filter((m) => m.headers['nightjar-backfill-job']?.toString() === delivering.id);
    expect(replayed.map((m) => JSON.parse(m.value!).alert.alertId as string).sort()).toEqual(liveMatches);
    expect(replayed.every((m) => JSON.parse(m.value!).filter.id === id)).toBe(true);
    // Someone else's filter cannot be delivered, even a public one: only its owner's topic takes it.
    const other = await call(bobToken, 'POST', '/jobs', { kind: 'backfill', params: { filterId: id, since: 0, until: 1, deliver: true } });
    expect(other.status).toBe(404);
  }, 180_000);

  it('does not let an alert see points that arrived with a later alert of its object', async () => {
    // A later alert of a real ZTF object, derived from its real alert (marked synthetic): one more
    // detection a day after. The archive then holds that point in the object's light curve.
    const enriched = await consumeAll(kit.kafka, config.topics.enriched, { count: 1, settleMs: 500 });
    earlier = enriched.map((m) => JSON.parse(m.value!)).find((a) => a.survey === 'ztf' && a.mag !== null && a.band !== null)!;
    const own = earlier.lightcurve.filter((p: any) => p.kind === 'detection' && p.mjd <= earlier.mjd).length;
    later = {
      ...earlier,
      alertId: (BigInt(earlier.alertId) + 1n).toString(),
      mjd: earlier.mjd + 1,
      mag: earlier.mag - 0.3,
      synthetic: true,
      lightcurve: [...earlier.lightcurve, { mjd: earlier.mjd + 1, band: earlier.band, kind: 'detection', mag: earlier.mag - 0.3, magErr: earlier.magErr, flux: null, fluxErr: null, limitMag: null }],
    };
    delete later.cutouts;
    const before = await archived();
    await kit.producer.send({ topic: config.topics.enriched, messages: [{ key: later.objectId, value: JSON.stringify(later) }] });
    await waitFor(async () => (await archived()) > before, { timeoutMs: 30_000, message: 'later alert archived' });

    const id = uniqueName('more');
    const expression = `ndet() >= ${own + 1} and objectId == "${earlier.objectId}"`;
    expect((await call(aliceToken, 'POST', '/filters', { id, expression })).status).toBe(201);
    const job = await runJob(aliceToken, 'backfill', { filterId: id, since: 0, until: 100_000, survey: 'ztf' });
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    expect((await lines(aliceToken, job.id)).map((line) => JSON.parse(line).alertId)).toEqual([later.alertId]);

    // The object's archived light curve does hold the later detection the earlier alert must not see.
    const query = await runJob(aliceToken, 'query', { sql: `SELECT count() AS n FROM lightcurve_points FINAL WHERE objectId = '${earlier.objectId}' AND kind = 'detection'`, format: 'jsonl' });
    expect(query.state, JSON.stringify(query.error)).toBe('succeeded');
    expect(Number(JSON.parse((await lines(aliceToken, query.id))[0]!).n)).toBe(own + 1);
  }, 120_000);

  it('runs read-only SQL over the archive as CSV, rejecting what reaches outside it', async () => {
    const job = await runJob(aliceToken, 'query', { sql: 'SELECT survey, count() AS n FROM alerts FINAL GROUP BY survey ORDER BY survey', format: 'csv' });
    expect(job.state, JSON.stringify(job.error)).toBe('succeeded');
    const direct = await (await clickhouse.query({ query: `SELECT survey, count() AS n FROM ${config.clickhouse.database}.alerts FINAL GROUP BY survey ORDER BY survey`, format: 'JSONEachRow' })).json<{ survey: string; n: string }>();
    const csv = await call(aliceToken, 'GET', `/jobs/${job.id}/results`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toEqual(['"survey","n"', ...direct.map((r) => `"${r.survey}",${r.n}`)]);
    expect(job.result.rows).toBe(direct.length);

    const rejected = await call(aliceToken, 'POST', '/jobs', { kind: 'query', params: { sql: 'SELECT * FROM system.tables' } });
    expect(rejected.status).toBe(400);
    expect(rejected.json.error.code).toBe('JOB_QUERY_REJECTED');
    const matchesOfOthers = await call(aliceToken, 'POST', '/jobs', { kind: 'query', params: { sql: 'SELECT * FROM matches' } });
    expect(matchesOfOthers.json.error.code).toBe('JOB_QUERY_REJECTED');

    const failed = await runJob(aliceToken, 'query', { sql: 'SELECT no_such_column FROM alerts' });
    expect(failed.state).toBe('failed');
    expect(failed.error.code).toBe('JOB_QUERY_FAILED');
    const results = await call(aliceToken, 'GET', `/jobs/${failed.id}/results`);
    expect(results.status).toBe(410);
    expect(results.json.error.code).toBe('JOB_NO_RESULTS');
  }, 120_000);

  it('exports a region with light curves and cutouts, and a time range as CSV', async () => {
    const cone = await runJob(aliceToken, 'export', { ra: earlier.ra, dec: earlier.dec, radius: 2, cutouts: true, lightcurve: true });
    expect(cone.state, JSON.stringify(cone.error)).toBe('succeeded');
    const rows = (await lines(aliceToken, cone.id)).map((line) => JSON.parse(line));
    expect(rows.map((r) => r.alertId)).toEqual([earlier.alertId, later.alertId]);
    expect(rows[0].lightcurve.length).toBe(earlier.lightcurve.length);
    expect(rows[1].lightcurve.length).toBe(earlier.lightcurve.length + 1);
    expect(gunzipIfNeeded(Buffer.from(rows[0].cutouts.science, 'base64'), 1 << 20).subarray(0, 6).toString('latin1')).toBe('SIMPLE');
    expect(rows[1].cutouts).toEqual({ science: null, template: null, difference: null });

    const range = await runJob(aliceToken, 'export', { since: earlier.mjd - 0.5, until: earlier.mjd + 2, format: 'csv' });
    expect(range.state, JSON.stringify(range.error)).toBe('succeeded');
    const [header, ...csv] = await lines(aliceToken, range.id);
    expect(header!.split(',').slice(0, 6)).toEqual(['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec']);
    const [count] = await (await clickhouse.query({ query: `SELECT count() AS n FROM ${config.clickhouse.database}.alerts FINAL WHERE mjd >= ${earlier.mjd - 0.5} AND mjd < ${earlier.mjd + 2}`, format: 'JSONEachRow' })).json<{ n: string }>();
    expect(csv.length).toBe(Number(count!.n));
    expect(csv.some((line) => line.startsWith(`ztf,${later.alertId},`))).toBe(true);
  }, 120_000);

  it('shows a user only their own jobs, and deletes a finished job with its results', async () => {
    const mine = (await call(aliceToken, 'GET', '/jobs')).json.jobs as { id: string }[];
    expect(mine.length).toBeGreaterThanOrEqual(5);
    const job = mine[0]!;
    expect((await call(bobToken, 'GET', '/jobs')).json.jobs).toEqual([]);
    for (const [method, path] of [['GET', `/jobs/${job.id}`], ['GET', `/jobs/${job.id}/results`], ['DELETE', `/jobs/${job.id}`]] as const) {
      const answer = await call(bobToken, method, path);
      expect(answer.status, `${method} ${path}`).toBe(404);
      expect(answer.json.error.code).toBe('NOT_FOUND');
    }
    // Someone else's private filter cannot be backfilled either.
    const filters = (await call(aliceToken, 'GET', '/filters?owned=true')).json.filters as { id: string }[];
    const denied = await call(bobToken, 'POST', '/jobs', { kind: 'backfill', params: { filterId: filters[0]!.id, since: 0, until: 1 } });
    expect(denied.status).toBe(404);
    expect((await call(admin, 'GET', `/jobs/${job.id}`)).status).toBe(404);

    expect((await call(aliceToken, 'DELETE', `/jobs/${job.id}`)).status).toBe(204);
    await waitFor(async () => (await call(aliceToken, 'GET', `/jobs/${job.id}`)).status === 404, { message: 'job deleted' });
    const invalid = await call(aliceToken, 'POST', '/jobs', { kind: 'export', params: { ra: 10 } });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe('JOB_INVALID');
    expect((await call(aliceToken, 'GET', '/jobs/not-a-job')).status).toBe(400);
  }, 60_000);
});
