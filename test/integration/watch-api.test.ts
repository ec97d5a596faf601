import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { startRoles, type RunningRoles } from '../../src/cli/run.js';
import type { Config } from '../../src/config/index.js';
import { userTopic } from '../../src/filter/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { ensureFirstAdmin } from '../../src/platform/bootstrap.js';
import { consumeAll, testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { expectedAlerts, sampleMessages, type SurveyMessage } from './support/alerts.js';
import { freePort, roleTopics } from './support/roles.js';

/**
 * Watchlists and watchmaps through the API while the worker runs: a user uploads a watchlist (CSV)
 * holding two real alerts' positions and a watchmap (a cone) around a third; their filter on
 * `watchlist.hit` / `inmap` then matches exactly those alerts; deleting the list takes effect on
 * the next alerts, without a restart. Nobody else sees or deletes them.
 */
describe('watchlists and watchmaps over the API, live', () => {
  let kit: KafkaKit;
  let config: Config;
  let running: RunningRoles;
  let base: string;
  let alice: string;
  let aliceToken: string;
  let bobToken: string;
  let messages: SurveyMessage[];
  let alerts: Alert[];

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = testConfig({
      topics: await roleTopics(kit, 'wa'),
      api: { host: '127.0.0.1', port: await freePort() },
      runner: { instanceId: uniqueName('wa'), groupPrefix: uniqueName('wa'), topicRefreshMs: 500 },
    });
    running = await startRoles(['worker', 'api'], { config, logger: silentLogger() }, { signals: false });
    base = `http://127.0.0.1:${config.api.port}/api/v1`;
    const admin = (await ensureFirstAdmin(running.services!.platform, silentLogger())).token!;
    alice = uniqueName('alice');
    const bob = uniqueName('bob');
    for (const user of [alice, bob]) await send(admin, 'POST', '/users', { name: user });
    aliceToken = (await send(admin, 'POST', '/tokens', { user: alice, scopes: ['read', 'write'] })).json.token;
    bobToken = (await send(admin, 'POST', '/tokens', { user: bob, scopes: ['read', 'write'] })).json.token;
    messages = await sampleMessages();
    alerts = (await expectedAlerts(messages, config)).filter((a) => a.survey === 'ztf');
  }, 90_000);

  afterAll(async () => {
    await running?.stop();
    await kit?.admin.deleteTopics({ topics: [userTopic(alice)] }).catch(() => undefined);
  });

  async function send(token: string, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<{ status: number; json: any }> {
    const payload = body === undefined ? undefined : contentType === 'application/json' ? JSON.stringify(body) : (body as string);
    const response = await fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': contentType }) }, body: payload });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  }

  /** A gauge of this process's /metrics (the worker's watch state reports what it has loaded). */
  async function gauge(name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${config.api.port}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? NaN : Number(line.split(' ')[1]);
  }

  /** Replays the real alerts and returns the alert ids matched after `offset`, waiting for at least `expected` of them (then a while for extras). */
  async function matchedAfter(offset: number, expected: number): Promise<string[]> {
    const before = offset;
    await kit.producer.send({ topic: config.topics.input[0]!, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    const seen = await consumeAll(kit.kafka, userTopic(alice), { count: before + expected, timeoutMs: 60_000, settleMs: 4_000 });
    return seen.slice(before).map((m) => JSON.parse(m.value!).alert.alertId as string).sort();
  }

  it('matches the alerts of an uploaded watchlist and watchmap, and stops when the list is deleted', async () => {
    const [a, b, c] = alerts;
    const csv = ['name,ra,dec,radius', `first target,${a!.ra},${a!.dec},2`, `"second, with comma",${b!.ra},${b!.dec},2`].join('\n');
    const list = await send(aliceToken, 'PUT', '/watchlists/targets', csv, 'text/csv');
    expect(list.status, JSON.stringify(list.json)).toBe(200);
    expect(list.json).toMatchObject({ name: 'targets', owner: alice, version: 1, entries: 2 });
    const map = await send(aliceToken, 'PUT', '/watchmaps/field', { cone: { ra: c!.ra, dec: c!.dec, radius: 5 } });
    expect(map.status, JSON.stringify(map.json)).toBe(200);
    expect(map.json.type).toBe('cone');
    expect(map.json.areaSqDeg).toBeGreaterThan(0);

    expect((await send(aliceToken, 'GET', '/watchlists')).json.watchlists.map((l: any) => l.name)).toEqual(['targets']);
    expect((await send(aliceToken, 'GET', '/watchmaps')).json.watchmaps.map((m: any) => m.name)).toEqual(['field']);
    expect((await send(bobToken, 'GET', '/watchlists')).json.watchlists).toEqual([]);
    expect((await send(bobToken, 'GET', '/watchmaps')).json.watchmaps).toEqual([]);
    expect((await send(bobToken, 'DELETE', '/watchlists/targets')).status).toBe(404);
    expect((await send(bobToken, 'DELETE', '/watchmaps/field')).status).toBe(404);

    const id = uniqueName('watched');
    expect((await send(aliceToken, 'POST', '/filters', { id, expression: 'watchlist.hit("targets") or inmap("field")' })).status).toBe(201);
    expect((await send(aliceToken, 'POST', `/filters/${id}/activate`, {})).status).toBe(200);
    // The worker has loaded the list and the map (the filter too, once it reports the version).
    await waitFor(async () => (await gauge('nightjar_watchlists_loaded')) === 1 && (await gauge('nightjar_watchmaps_loaded')) === 1, { timeoutMs: 30_000, message: 'the worker loaded the list and the map' });
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    expect(await matchedAfter(0, 3)).toEqual([a!.alertId, b!.alertId, c!.alertId].sort());

    // Deleting the list takes effect live: the same alerts again match only through the map.
    expect((await send(aliceToken, 'DELETE', '/watchlists/targets')).status).toBe(204);
    expect((await send(aliceToken, 'GET', '/watchlists')).json.watchlists).toEqual([]);
    await waitFor(async () => (await gauge('nightjar_watchlists_loaded')) === 0, { timeoutMs: 30_000, message: 'the worker unloaded the deleted list' });
    expect(await matchedAfter(3, 1)).toEqual([c!.alertId]);
  }, 180_000);

  it('accepts JSON entries and MOC JSON, and explains bad uploads', async () => {
    const json = await send(aliceToken, 'PUT', '/watchlists/json-list', { entries: [{ name: 'x', ra: 10, dec: 20 }] });
    expect(json.status).toBe(200);
    expect(json.json).toMatchObject({ entries: 1, maxRadius: 5 });
    const moc = await send(aliceToken, 'PUT', '/watchmaps/moc-map', { moc: { '3': [1, 2, 3] } });
    expect(moc.status, JSON.stringify(moc.json)).toBe(200);
    expect(moc.json.type).toBe('moc');

    const badCsv = await send(aliceToken, 'PUT', '/watchlists/bad', 'name,ra,dec\nok,10,20\nbroken,400,20\n', 'text/csv');
    expect(badCsv.status).toBe(400);
    expect(badCsv.json.error.code).toBe('WATCHLIST_INVALID');
    expect(JSON.stringify(badCsv.json.error)).toMatch(/line 3|"line":3/);
    const badMap = await send(aliceToken, 'PUT', '/watchmaps/bad', { cone: { ra: 10, dec: 95, radius: 5 } });
    expect(badMap.status).toBe(400);
    expect(badMap.json.error.code).toBe('WATCHMAP_INVALID');
    const two = await send(aliceToken, 'PUT', '/watchmaps/bad', { cone: { ra: 10, dec: 5, radius: 5 }, polygon: [[1, 1], [2, 2], [3, 1]] });
    expect(two.json.error.code).toBe('WATCHMAP_INVALID');
    expect((await send(aliceToken, 'PUT', '/watchlists/Bad%20Name', 'name,ra,dec\nx,1,1\n', 'text/csv')).status).toBe(400);
    expect((await send(bobToken, 'DELETE', '/watchmaps/moc-map')).status).toBe(404);
    expect((await send(aliceToken, 'DELETE', '/watchmaps/moc-map')).status).toBe(204);
  }, 60_000);

  it('keeps a job queued while no jobs role runs: its results answer 409, and cancelling it makes them 410', async () => {
    const submitted = await send(aliceToken, 'POST', '/jobs', { kind: 'query', params: { sql: 'SELECT 1' } });
    expect(submitted.status).toBe(202);
    const early = await send(aliceToken, 'GET', `/jobs/${submitted.json.id}/results`);
    expect([early.status, early.json.error.code, early.json.error.details.state]).toEqual([409, 'JOB_NOT_FINISHED', 'queued']);
    const cancelled = await send(aliceToken, 'DELETE', `/jobs/${submitted.json.id}`);
    expect([cancelled.status, cancelled.json.state]).toEqual([200, 'cancelled']);
    const late = await send(aliceToken, 'GET', `/jobs/${submitted.json.id}/results`);
    expect([late.status, late.json.error.code]).toEqual([410, 'JOB_NO_RESULTS']);
    expect((await send(bobToken, 'GET', `/jobs/${submitted.json.id}`)).status).toBe(404);
  }, 60_000);
});
