import { spawn, spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { startApiServices, type RunningApiServices } from '../../src/api/services.js';
import type { Config } from '../../src/config/index.js';
import { userTopic } from '../../src/filter/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry, type Registry } from '../../src/metrics/registry.js';
import { metricValue, testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic } from './support/alerts.js';
import { LiveTestClient, type Frame } from './support/live-client.js';

/**
 * The websocket live feeds (docs/live.md) against the real broker: matches produced to a user's
 * topic reach the user's connections, private filters stay private, the enriched stream is for
 * administrators, cursors resume exactly, a stalled client is warned then closed (4008) while a
 * healthy one keeps receiving, and limits and revocation close connections with their codes.
 */
describe('live feeds over websocket', () => {
  let kit: KafkaKit;
  let config: Config;
  let registry: Registry;
  let services: RunningApiServices;
  let app: FastifyInstance;
  let url: string;
  const users = { alice: uniqueName('alice'), bob: uniqueName('bob'), root: uniqueName('root') };
  const tokens = { alice: '', bob: '', root: '' };
  const filters = { priv: uniqueName('priv'), pub: uniqueName('pub') };
  const clients: LiveTestClient[] = [];
  let seq = 0;

  const client = (options: ConstructorParameters<typeof LiveTestClient>[1] = {}): LiveTestClient => {
    const c = new LiveTestClient(url, options);
    clients.push(c);
    return c;
  };

  /** A match message as the worker writes it (docs/outputs.md), with a unique alertId. */
  const match = (filterId: string, extra: Record<string, unknown> = {}) => {
    const n = ++seq;
    const alert = { survey: 'ztf', alertId: String(9_000_000 + n), objectId: `ZTF26obj${n % 7}`, mag: 17 + (n % 10) / 10, ra: 10.5, dec: -20.25, lc: { all: { ndet: n, std: 0.1 } }, ...extra };
    return {
      key: alert.objectId,
      value: JSON.stringify({ filter: { id: filterId, version: 1, owner: users.alice }, matchedAt: new Date().toISOString(), alert }),
      headers: { 'nightjar-filter-id': filterId, 'nightjar-filter-version': '1', 'content-type': 'application/json' },
    };
  };
  const produce = async (filterId: string, count: number, extra: Record<string, unknown> = {}): Promise<string[]> => {
    const messages = Array.from({ length: count }, () => match(filterId, extra));
    await kit.producer.send({ topic: userTopic(users.alice), acks: -1, messages });
    return messages.map((m) => (JSON.parse(m.value) as { alert: { alertId: string } }).alert.alertId);
  };
  const alertIds = (frames: Frame[]): string[] => frames.map((f) => (f.data as { alertId: string }).alertId);

  beforeAll(async () => {
    kit = await withKafka();
    config = testConfig({
      topics: {
        users: await compactedTopic(kit, 'live-users'),
        tokens: await compactedTopic(kit, 'live-tokens'),
        filters: await compactedTopic(kit, 'live-filters'),
        notices: await kit.createTopic({ prefix: 'live-notices' }),
        enriched: await kit.createTopic({ prefix: 'live-enriched', partitions: 2 }),
      },
      live: { maxConnectionsPerToken: 3, sendQueueMessages: 200, sendQueueBytes: 2 * 1024 * 1024, socketBufferBytes: 64 * 1024, closeGraceMs: 15_000, replayMessages: 5, idleReaderMs: 500 },
    });
    registry = createMetricsRegistry({ processMetrics: false });
    services = await startApiServices(kit.kafka, config, silentLogger(), { registry });
    app = buildApi({ config, logger: silentLogger(), registry, readiness: [], services });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/live`;
    for (const [key, name] of Object.entries(users) as [keyof typeof users, string][]) {
      await services.platform.users.create({ name, admin: key === 'root' });
      tokens[key] = (await services.platform.tokens.issue({ owner: name, scopes: key === 'root' ? ['admin'] : ['read', 'write'], lifetimeMs: 3_600_000 })).token;
    }
    await services.filters.create({ id: filters.priv, owner: users.alice, expression: 'mag < 18' });
    await services.filters.create({ id: filters.pub, owner: users.alice, expression: 'mag < 19', public: true });
    await services.filters.activate(filters.priv, users.alice);
    await services.filters.activate(filters.pub, users.alice);
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await app?.close();
    await services?.stop();
    await kit?.admin.deleteTopics({ topics: [userTopic(users.alice)] }).catch(() => undefined);
  });

  it('refuses upgrades without a valid token (400, 403) and answers a plain GET with 426', async () => {
    const missing = client();
    await expect(missing.open()).rejects.toThrow();
    expect(missing.refused).toBe(400);
    const bad = client({ token: `nj_${'A'.repeat(43)}` });
    await expect(bad.open()).rejects.toThrow();
    expect(bad.refused).toBe(403);
    const plain = await app.inject({ url: '/api/v1/live', headers: { authorization: `Bearer ${tokens.alice}` } });
    expect([plain.statusCode, plain.json().error.code]).toEqual([426, 'UPGRADE_REQUIRED']);
    expect((await app.inject({ url: '/api/v1/live' })).json().error.code).toBe('AUTH_TOKEN_MISSING');
  });

  it('delivers the own matches with field selection; the token may come as subprotocol', async () => {
    const c = client({ protocols: ['nightjar.v1', `nightjar.token.${tokens.alice}`] });
    await c.open();
    expect(c.ws.protocol).toBe('nightjar.v1');
    const subscribed = await c.subscribe({ id: 'mine', stream: 'matches', fields: ['alertId', 'mag', 'lc.all.ndet', 'xmatch.none'] });
    expect(subscribed).toMatchObject({ stream: 'matches', cursor: expect.any(String) });
    await c.subscribe({ id: 'narrow', stream: 'matches', filters: [filters.pub] });
    const ids = [...(await produce(filters.priv, 2)), ...(await produce(filters.pub, 1))];
    const got = await c.waitAlerts(3, 'mine');
    expect(alertIds(got).sort()).toEqual([...ids].sort());
    const first = got.find((f) => (f.data as { alertId: string }).alertId === ids[0])!;
    expect(Object.keys(first.data as object).sort()).toEqual(['alertId', 'lc', 'mag']);
    expect(first.data).toEqual({ alertId: ids[0], mag: expect.any(Number), lc: { all: { ndet: expect.any(Number) } } });
    expect(first).toMatchObject({ sub: 'mine', filter: { id: filters.priv, version: 1 }, matchedAt: expect.any(String), cursor: expect.any(String) });
    const narrow = await c.waitAlerts(1, 'narrow');
    expect(alertIds(narrow)).toEqual([ids[2]]);
    expect(narrow[0]!.data).toMatchObject({ survey: 'ztf', objectId: expect.any(String), lc: { all: { ndet: expect.any(Number), std: 0.1 } } });
    expect(await metricValue(registry, 'nightjar_ws_messages_total', { type: 'alert' })).toBeGreaterThanOrEqual(4);
  });

  it("keeps another user's private filter private and serves a public one", async () => {
    const c = client({ token: tokens.bob });
    await c.open();
    await expect(c.subscribe({ id: 'x', stream: 'filter', filter: filters.priv })).rejects.toMatchObject({ frame: { error: { code: 'NOT_FOUND' } } });
    await expect(c.subscribe({ id: 'y', stream: 'matches', filters: [filters.priv] })).rejects.toMatchObject({ frame: { error: { code: 'NOT_FOUND' } } });
    await expect(c.subscribe({ id: 'z', stream: 'enriched' })).rejects.toMatchObject({ frame: { error: { code: 'AUTH_SCOPE' } } });
    await c.subscribe({ id: 'pub', stream: 'filter', filter: filters.pub, fields: ['alertId'] });
    const priv = await produce(filters.priv, 2);
    const pub = await produce(filters.pub, 2);
    const got = await c.waitAlerts(2, 'pub');
    expect(alertIds(got).sort()).toEqual([...pub].sort());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alertIds(c.alerts()).some((id) => priv.includes(id))).toBe(false);
    // A message that is not JSON, and a duplicate id, are refused with catalogue codes; the connection stays.
    c.ws.send('not json');
    await c.subscribe({ id: 'pub2', stream: 'filter', filter: filters.pub }).catch(() => undefined);
    await expect(c.subscribe({ id: 'pub', stream: 'filter', filter: filters.pub })).rejects.toMatchObject({ frame: { error: { code: 'LIVE_SUBSCRIPTION_EXISTS' } } });
    expect(c.of('error').map((f) => (f.error as { code: string }).code)).toContain('LIVE_MESSAGE_INVALID');
    expect(c.closed).toBeUndefined();
  });

  it('follows a match topic that appears after the subscription (a user who activates a first filter)', async () => {
    const carol = uniqueName('carol');
    await services.platform.users.create({ name: carol });
    const token = (await services.platform.tokens.issue({ owner: carol, scopes: ['read', 'write'], lifetimeMs: 3_600_000 })).token;
    const c = client({ token });
    await c.open();
    await c.subscribe({ id: 'first', stream: 'matches', fields: ['alertId'] });
    try {
      const id = uniqueName('first');
      await services.filters.create({ id, owner: carol, expression: 'mag < 18' });
      await services.filters.activate(id, carol);
      await kit.producer.send({ topic: userTopic(carol), acks: -1, messages: [{ key: 'o', value: JSON.stringify({ filter: { id, version: 1, owner: carol }, matchedAt: new Date().toISOString(), alert: { alertId: 'carol-1' } }), headers: { 'nightjar-filter-id': id } }] });
      const got = await c.waitAlerts(1, 'first');
      expect(alertIds(got)).toEqual(['carol-1']);
    } finally {
      await kit.admin.deleteTopics({ topics: [userTopic(carol)] }).catch(() => undefined);
    }
  });

  it('serves the whole enriched stream to administrators only', async () => {
    const c = client({ token: tokens.root });
    await c.open();
    await c.subscribe({ id: 'all', stream: 'enriched', fields: ['alertId', 'ra'] });
    const run = uniqueName('e');
    const alerts = [1, 2, 3].map((i) => ({ survey: 'lsst', alertId: `${run}-${i}`, objectId: String(i), ra: i, dec: 0, mjd: 60000 }));
    await kit.producer.send({ topic: config.topics.enriched, acks: -1, messages: alerts.map((a) => ({ key: a.objectId, value: JSON.stringify(a) })) });
    const got = await c.waitAlerts(3, 'all');
    expect(got.map((f) => f.data).sort((a, b) => String((a as { alertId: string }).alertId).localeCompare((b as { alertId: string }).alertId))).toEqual(alerts.map((a) => ({ alertId: a.alertId, ra: a.ra })));
    expect(got[0]!.filter).toBeUndefined();
  });

  it('resumes from a cursor with exactly the missed messages: from the window, then from Kafka', async () => {
    const watcher = client({ token: tokens.bob });
    await watcher.open();
    await watcher.subscribe({ id: 'w', stream: 'filter', filter: filters.pub, fields: ['alertId'] });

    const first = client({ token: tokens.alice });
    await first.open();
    await first.subscribe({ id: 'r', stream: 'matches', filters: [filters.pub], fields: ['alertId'] });
    const before = await produce(filters.pub, 3);
    await first.waitAlerts(3, 'r');
    const cursor1 = first.alerts('r').at(-1)!.cursor as string;
    first.close();
    await first.waitClosed();

    // Missed while away: fewer than the reader's window (replayMessages = 5) holds.
    const gap1 = await produce(filters.pub, 4);
    await watcher.waitAlerts(7, 'w');
    const second = client({ token: tokens.alice });
    await second.open();
    await second.subscribe({ id: 'r', stream: 'matches', filters: [filters.pub], fields: ['alertId'], cursor: cursor1 });
    await second.waitAlerts(4, 'r');
    const after1 = await produce(filters.pub, 2);
    await second.waitAlerts(6, 'r');
    expect(alertIds(second.alerts('r')).sort()).toEqual([...gap1, ...after1].sort());
    expect(alertIds(second.alerts('r')).some((id) => before.includes(id))).toBe(false);
    const cursor2 = second.alerts('r').at(-1)!.cursor as string;
    second.close();
    await second.waitClosed();

    // Missed while away: more than the window holds, so the gap is read back from Kafka.
    const gap2 = await produce(filters.pub, 12);
    await watcher.waitAlerts(7 + 2 + 12, 'w');
    const third = client({ token: tokens.alice });
    await third.open();
    await third.subscribe({ id: 'r', stream: 'matches', filters: [filters.pub], fields: ['alertId'], cursor: cursor2 });
    await third.waitAlerts(12, 'r');
    const after2 = await produce(filters.pub, 3);
    await third.waitAlerts(15, 'r');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alertIds(third.alerts('r')).sort()).toEqual([...gap2, ...after2].sort());

    // A cursor of another stream is refused.
    await expect(third.subscribe({ id: 'bad', stream: 'filter', filter: filters.pub, cursor: Buffer.from('{"v":1,"t":"other","o":{}}').toString('base64url') })).rejects.toMatchObject({ frame: { error: { code: 'LIVE_CURSOR_INVALID' } } });
  });

  it('resumes a cursor older than the retention from the oldest message kept, with a notice', async () => {
    const c = client({ token: tokens.alice });
    await c.open();
    const { cursor } = await c.subscribe({ id: 'old', stream: 'matches', filters: [filters.pub], fields: ['alertId'] });
    c.close();
    await c.waitClosed();
    await produce(filters.pub, 8);
    // What retention would do: move every partition's log start past those 8 (more than the reader's window).
    const topic = userTopic(users.alice);
    const ends = await kit.admin.fetchTopicOffsets(topic);
    await kit.admin.deleteTopicRecords({ topic, partitions: ends.map((o) => ({ partition: o.partition, offset: o.high })) });
    const kept = await produce(filters.pub, 2);
    const back = client({ token: tokens.alice });
    await back.open();
    await back.subscribe({ id: 'old', stream: 'matches', filters: [filters.pub], fields: ['alertId'], cursor });
    await back.waitAlerts(2, 'old');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alertIds(back.alerts('old')).sort()).toEqual([...kept].sort());
    expect(back.of('notice')).toEqual([expect.objectContaining({ id: 'old', code: 'LIVE_CURSOR_EXPIRED' })]);
    back.close(); // alice's token may hold 3 connections (live.maxConnectionsPerToken in this test)
    await back.waitClosed();
  });

  it('warns a stalled client, then closes it with 4008 while a healthy client keeps receiving', async () => {
    const healthy = client({ token: tokens.bob });
    await healthy.open();
    await healthy.subscribe({ id: 'h', stream: 'filter', filter: filters.pub, fields: ['alertId'] });
    const stalled = client({ token: tokens.alice });
    await stalled.open();
    await stalled.subscribe({ id: 's', stream: 'matches' });
    // Stops reading: ws pauses its socket, so the server's writes back up through the kernel buffers.
    stalled.ws.pause();
    // The server decides at once (queued alerts dropped); the close completes when the client reads again.
    const dropped = () => metricValue(registry, 'nightjar_ws_dropped_total', { reason: 'slow_consumer' });
    const slowBefore = await metricValue(registry, 'nightjar_ws_disconnects_total', { reason: 'slow_consumer' });
    const droppedBefore = await dropped();
    const produced: string[] = [];
    const pad = 'x'.repeat(100_000);
    for (let round = 0; round < 40 && (await dropped()) === droppedBefore; round++) {
      produced.push(...(await produce(filters.pub, 10, { pad })));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitFor(async () => (await dropped()) > droppedBefore, { message: 'the stalled client to be cut off' });
    // The healthy client got everything, while the stalled one was still connected and after.
    const more = await produce(filters.pub, 3);
    await healthy.waitAlerts(produced.length + 3, 'h', 60_000);
    expect(alertIds(healthy.alerts('h')).sort()).toEqual([...produced, ...more].sort());
    // Once it reads again, the stalled client finds the notice and the close code.
    stalled.ws.resume();
    const closed = await stalled.waitClosed(30_000);
    expect(closed).toEqual({ code: 4008, reason: 'slow consumer' });
    expect(stalled.of('notice').map((f) => f.code)).toContain('LIVE_SLOW_CONSUMER');
    expect(healthy.closed).toBeUndefined();
    await waitFor(async () => (await metricValue(registry, 'nightjar_ws_disconnects_total', { reason: 'slow_consumer' })) === slowBefore + 1, { message: 'the disconnect to be counted' });
  });

  it('limits connections per token (4029) and closes connections of a revoked token (4003)', async () => {
    const { token, record } = await services.platform.tokens.issue({ owner: users.bob, scopes: ['read'], lifetimeMs: 3_600_000 });
    const open = [client({ token }), client({ token }), client({ token })];
    await Promise.all(open.map((c) => c.open()));
    const extra = client({ token });
    await extra.open();
    expect(await extra.waitClosed()).toEqual({ code: 4029, reason: 'too many connections for this token' });
    expect(extra.of('error')[0]).toMatchObject({ error: { code: 'LIVE_CONNECTION_LIMIT' } });
    await waitFor(async () => (await metricValue(registry, 'nightjar_ws_connections')) === clients.filter((c) => c.ws.readyState === c.ws.OPEN).length, { message: 'the gauge to count open connections' });

    await open[0]!.subscribe({ id: 'p', stream: 'filter', filter: filters.pub });
    await services.platform.tokens.revoke(record.id);
    for (const c of open) expect((await c.waitClosed(10_000)).code).toBe(4003);
    const again = client({ token });
    await expect(again.open()).rejects.toThrow();
    expect(again.refused).toBe(403);
  });

  // The Python example needs the `websockets` package: NIGHTJAR_PYTHON, or the venv scripts/python-websockets.sh makes.
  const python = process.env.NIGHTJAR_PYTHON ?? spawnSync('scripts/python-websockets.sh', { encoding: 'utf8', timeout: 180_000 }).stdout?.trim() ?? '';
  const hasWebsockets = python !== '' && spawnSync(python, ['-c', 'import websockets'], { stdio: 'ignore' }).status === 0;

  it.skipIf(!hasWebsockets)('runs the Python example client (subprotocol token) for a few messages', async () => {
    const run = runExample(python, ['examples/live_client.py', '--url', url, '--stream', 'filter', '--filter', filters.pub, '--fields', 'alertId,mag', '--max', '2'], { NIGHTJAR_TOKEN: tokens.root });
    // The example prints nothing until an alert arrives: produce until it has two.
    const ids: string[] = [];
    await waitFor(async () => {
      ids.push(...(await produce(filters.pub, 1)));
      return run.stdout.split('\n').filter(Boolean).length >= 2;
    }, { timeoutMs: 30_000, intervalMs: 500, message: 'the Python example to print two alerts' }).catch((err: Error) => {
      throw new Error(`${err.message}; its stderr: ${run.stderr}`);
    });
    expect(await run.exited).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { filter: { id: string }; data: { alertId: string } });
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(ids).toContain(line.data.alertId);
    expect(lines[0]!.filter.id).toBe(filters.pub);
  });

  it('runs the TypeScript example client for a few messages (after type-checking it)', async () => {
    const check = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'examples/tsconfig.json'], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toBe('');
    expect(check.status).toBe(0);
    const run = runExample(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'examples/live-client.ts'], { NIGHTJAR_LIVE_URL: url, NIGHTJAR_TOKEN: tokens.alice, LIVE_STREAM: 'filter', LIVE_FILTER: filters.pub, LIVE_FIELDS: 'alertId,mag', LIVE_MAX: '3' });
    await waitFor(() => run.stderr.includes('subscribed'), { timeoutMs: 30_000, message: `the example to subscribe (stderr: ${run.stderr})` });
    const ids = await produce(filters.pub, 3);
    expect(await run.exited).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { filter: { id: string }; data: { alertId: string; mag: number } });
    expect(lines.map((l) => l.data.alertId)).toEqual(expect.arrayContaining(ids));
    expect(lines[0]).toMatchObject({ filter: { id: filters.pub }, data: { alertId: expect.any(String), mag: expect.any(Number) } });
  });
});

/** An example client as a child process, its output collected as it arrives. */
function runExample(command: string, args: string[], env: Record<string, string>): { stdout: string; stderr: string; exited: Promise<number | null> } {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { stdout: '', stderr: '', exited: new Promise<number | null>((resolve) => child.on('exit', resolve)) };
  child.stdout.on('data', (d: Buffer) => (run.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (run.stderr += d.toString()));
  return run;
}
