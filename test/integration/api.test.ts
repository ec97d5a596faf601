import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { startApiServices, type RunningApiServices } from '../../src/api/services.js';
import type { Config } from '../../src/config/index.js';
import { userTopic } from '../../src/filter/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic, expectedAlerts, sampleMessages } from './support/alerts.js';

/**
 * The REST API against the real broker: users, tokens and filters on their own compacted topics
 * (unique per run), two users, and a second API process following the same topics.
 */
describe('REST API /api/v1 on Kafka', () => {
  let kit: KafkaKit;
  let config: Config;
  let services: RunningApiServices;
  let app: FastifyInstance;
  let alice: { name: string; token: string };
  let bob: { name: string; token: string };

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    kit = await withKafka();
    config = testConfig({
      topics: {
        users: await compactedTopic(kit, 'api-users'),
        tokens: await compactedTopic(kit, 'api-tokens'),
        filters: await compactedTopic(kit, 'api-filters'),
        notices: await kit.createTopic({ prefix: 'api-notices' }),
      },
    });
    services = await startApiServices(kit.kafka, config, silentLogger());
    app = buildApi({ config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services });
    const users = [uniqueName('alice'), uniqueName('bob')];
    const tokens = [];
    for (const name of users) {
      await services.platform.users.create({ name });
      tokens.push((await services.platform.tokens.issue({ owner: name, scopes: ['read', 'write'], lifetimeMs: 3_600_000 })).token);
    }
    alice = { name: users[0]!, token: tokens[0]! };
    bob = { name: users[1]!, token: tokens[1]! };
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await services?.stop();
    await kit?.admin.deleteTopics({ topics: [userTopic(alice.name), userTopic(bob.name)] }).catch(() => undefined);
  });

  it('refuses requests without a valid token (400 missing, 403 invalid, 403 scope)', async () => {
    expect((await app.inject({ url: '/api/v1/filters' })).json().error.code).toBe('AUTH_TOKEN_MISSING');
    const bad = await app.inject({ url: '/api/v1/filters', headers: as(`nj_${'x'.repeat(43)}`) });
    expect([bad.statusCode, bad.json().error.code]).toEqual([403, 'AUTH_TOKEN_INVALID']);
    const reader = await services.platform.tokens.issue({ owner: alice.name, scopes: ['read'], lifetimeMs: 60_000 });
    const scope = await app.inject({ method: 'POST', url: '/api/v1/filters', headers: as(reader.token), payload: { id: 'x', expression: 'mag < 18' } });
    expect([scope.statusCode, scope.json().error.code]).toEqual([403, 'AUTH_SCOPE']);
  });

  it('creates, versions, activates and pauses a filter, published on the filters topic', async () => {
    const id = uniqueName('bright');
    const created = await app.inject({ method: 'POST', url: '/api/v1/filters', headers: as(alice.token), payload: { id, expression: 'mag < 18', output: { format: 'avro' } } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ id, owner: alice.name, state: 'draft', public: false, topic: `nightjar.user.${alice.name}`, versions: [{ version: 1, expression: 'mag < 18', output: { format: 'avro', lightcurve: false, cutouts: false } }] });

    const taken = await app.inject({ method: 'POST', url: '/api/v1/filters', headers: as(bob.token), payload: { id, expression: 'mag < 18' } });
    expect([taken.statusCode, taken.json().error.code]).toEqual([409, 'ALREADY_EXISTS']);

    const invalid = await app.inject({ method: 'POST', url: `/api/v1/filters/${id}/versions`, headers: as(alice.token), payload: { expression: 'mgа < 18 and' } });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.json().error.details.errors[0]).toMatchObject({ line: 1, column: expect.any(Number), caret: expect.stringContaining('^') });

    const v2 = await app.inject({ method: 'POST', url: `/api/v1/filters/${id}/versions`, headers: as(alice.token), payload: { expression: 'mag < 17.5' } });
    expect(v2.statusCode).toBe(201);
    expect(v2.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);

    const active = await app.inject({ method: 'POST', url: `/api/v1/filters/${id}/activate`, headers: as(alice.token), payload: { version: 1 } });
    expect(active.statusCode).toBe(200);
    expect(active.json()).toMatchObject({ state: 'active', activeVersion: 1 });
    expect(await kit.admin.listTopics()).toContain(userTopic(alice.name));
    const newest = await app.inject({ method: 'POST', url: `/api/v1/filters/${id}/activate`, headers: as(alice.token) });
    expect(newest.json().activeVersion).toBe(2);
    const missing = await app.inject({ method: 'POST', url: `/api/v1/filters/${id}/activate`, headers: as(alice.token), payload: { version: 9 } });
    expect(missing.statusCode).toBe(404);

    const pausedRes = await app.inject({ method: 'POST', url: `/api/v1/filters/${id}/pause`, headers: as(alice.token) });
    expect(pausedRes.json().state).toBe('paused');
    // The change is on the topic: another follower (a worker) sees it.
    expect(services.filters.get(id)?.state).toBe('paused');

    const stats = await app.inject({ url: `/api/v1/filters/${id}/stats`, headers: as(alice.token) });
    expect(stats.json()).toMatchObject({ filterId: id, available: false, evaluated: 0 });
  });

  it('keeps each user\'s private filters, notices and stream to that user (404), public ones readable but not changeable (403)', async () => {
    const secret = uniqueName('secret');
    const shared = uniqueName('shared');
    await app.inject({ method: 'POST', url: '/api/v1/filters', headers: as(alice.token), payload: { id: secret, expression: 'mag < 16' } });
    await app.inject({ method: 'POST', url: '/api/v1/filters', headers: as(alice.token), payload: { id: shared, expression: 'mag < 15', public: true } });

    for (const [method, url] of [['GET', `/api/v1/filters/${secret}`], ['POST', `/api/v1/filters/${secret}/activate`], ['POST', `/api/v1/filters/${secret}/pause`], ['GET', `/api/v1/filters/${secret}/stats`], ['GET', `/api/v1/filters/${secret}/notices`], ['GET', `/api/v1/filters/${shared}/notices`]] as const) {
      const res = await app.inject({ method, url, headers: as(bob.token) });
      expect([url, res.statusCode, res.json().error.code]).toEqual([url, 404, 'NOT_FOUND']);
    }
    const version = await app.inject({ method: 'POST', url: `/api/v1/filters/${secret}/versions`, headers: as(bob.token), payload: { expression: 'mag < 10' } });
    expect(version.statusCode).toBe(404);
    expect(services.filters.get(secret)?.versions).toHaveLength(1);

    const readShared = await app.inject({ url: `/api/v1/filters/${shared}`, headers: as(bob.token) });
    expect(readShared.statusCode).toBe(200);
    const changeShared = await app.inject({ method: 'POST', url: `/api/v1/filters/${shared}/pause`, headers: as(bob.token) });
    expect([changeShared.statusCode, changeShared.json().error.code]).toEqual([403, 'NOT_OWNER']);

    const bobList = (await app.inject({ url: '/api/v1/filters', headers: as(bob.token) })).json().filters.map((f: { id: string }) => f.id);
    expect(bobList).toContain(shared);
    expect(bobList).not.toContain(secret);

    const stream = await app.inject({ url: '/api/v1/streams', headers: as(bob.token) });
    expect(stream.json()).toMatchObject({ user: bob.name, topic: `nightjar.user.${bob.name}`, filters: [] });
    expect(stream.json().consumers.python).toContain('read_committed');
    const aliceStream = await app.inject({ url: '/api/v1/streams', headers: as(alice.token) });
    expect(aliceStream.json().filters.map((f: { id: string }) => f.id)).toEqual(expect.arrayContaining([secret, shared]));

    const aliceTokenId = services.platform.tokens.lookup(alice.token)!.id;
    expect((await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${aliceTokenId}`, headers: as(bob.token) })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/tokens', headers: as(bob.token) })).json().tokens.every((t: { owner: string }) => t.owner === bob.name)).toBe(true);
  });

  it('shows the owner the notices workers publish for a filter', async () => {
    const id = uniqueName('noisy');
    await app.inject({ method: 'POST', url: '/api/v1/filters', headers: as(alice.token), payload: { id, expression: 'mag < 20' } });
    const notice = { filterId: id, owner: alice.name, version: 1, kind: 'runaway-paused', message: 'paused: matched 12.0% of the last 1000 alerts', at: new Date().toISOString() };
    await kit.producer.send({ topic: config.topics.notices, messages: [{ key: id, value: JSON.stringify(notice) }] });
    const seen = await waitFor(
      async () => {
        const res = await app.inject({ url: `/api/v1/filters/${id}/notices`, headers: as(alice.token) });
        return res.json().notices.length > 0 ? res.json().notices : null;
      },
      { timeoutMs: 15_000, message: 'the notice through the API' },
    );
    expect(seen).toEqual([notice]);
  });

  it('validates with positions and tests an expression on real alert messages', async () => {
    const validation = await app.inject({ method: 'POST', url: '/api/v1/filters/validate', headers: as(bob.token), payload: { expression: 'magg < 18' } });
    expect(validation.json()).toMatchObject({ ok: false, errors: [{ code: 'FILTER_UNKNOWN_FIELD', line: 1, column: 1, start: 0, end: 4, suggestion: expect.stringContaining('mag') }] });

    const messages = await sampleMessages();
    const alerts = await expectedAlerts(messages, config);
    const ztf = alerts.filter((a) => a.survey === 'ztf').map((a) => a.alertId).sort();
    const res = await app.inject({ method: 'POST', url: '/api/v1/filters/test', headers: as(bob.token), payload: { expression: 'survey == "ztf"', messages: [...messages.map((m) => m.value.toString('base64')), Buffer.from('not an alert').toString('base64')], explain: true } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.evaluated).toBe(alerts.length);
    expect(body.matched.map((m: { alertId: string }) => m.alertId).sort()).toEqual(ztf);
    expect(body.failures).toEqual([{ input: messages.length, code: expect.stringMatching(/^DECODE_/), message: expect.any(String) }]);
    expect(body.explain).toHaveLength(alerts.length);
    expect(body.explain[0].tree).toMatchObject({ text: 'survey == "ztf"', children: [{ text: 'survey' }] });
  }, 60_000);

  it('applies a revocation made through one API process in another within seconds', async () => {
    const other = await startApiServices(kit.kafka, config, silentLogger());
    const otherApp = buildApi({ config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: other });
    try {
      const { token, record } = await services.platform.tokens.issue({ owner: bob.name, scopes: ['read', 'write'], lifetimeMs: 3_600_000 });
      await waitFor(async () => (await otherApp.inject({ url: '/api/v1/me', headers: as(token) })).statusCode === 200, { timeoutMs: 10_000, message: 'the new token in the other process' });
      const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${record.id}`, headers: as(token) });
      expect(revoked.json().revokedAt).not.toBeNull();
      await waitFor(async () => (await otherApp.inject({ url: '/api/v1/me', headers: as(token) })).statusCode === 403, { timeoutMs: 10_000, message: 'the revocation in the other process' });
      expect((await otherApp.inject({ url: '/api/v1/me', headers: as(token) })).json().error.message).toContain('revoked');
    } finally {
      await otherApp.close();
      await other.stop();
    }
  }, 60_000);
});
