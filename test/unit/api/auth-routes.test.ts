import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/server.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { memoryServices } from './memory-services.js';

async function setup(options: { rateLimit?: { max: number; timeWindowMs: number }; logs?: string[]; bodyLimit?: number } = {}) {
  const kit = memoryServices(options.rateLimit ? { rateLimit: options.rateLimit } : {});
  const logger = options.logs
    ? pino({ level: 'trace' }, new Writable({ write: (chunk: Buffer, _enc, done) => (options.logs!.push(chunk.toString()), done()) }))
    : silentLogger();
  const config = options.bodyLimit ? { ...kit.config, api: { ...kit.config.api, bodyLimit: options.bodyLimit } } : kit.config;
  const app = buildApi({ config, logger, registry: createMetricsRegistry(), readiness: [], services: kit.services });
  await kit.platform.users.create({ name: 'alice' });
  await kit.platform.users.create({ name: 'root', admin: true });
  const alice = await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read', 'write'], lifetimeMs: 86_400_000 });
  const reader = await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: 86_400_000 });
  const root = await kit.platform.tokens.issue({ owner: 'root', scopes: ['admin'], lifetimeMs: null });
  return { app, kit, alice: alice.token, reader: reader.token, root: root.token };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('authentication and authorization of /api/v1', () => {
  it('answers 400 AUTH_TOKEN_MISSING without a token, before looking at the body', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'POST', url: '/api/v1/filters', payload: { nonsense: true } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('AUTH_TOKEN_MISSING');
  });

  it('answers 403 AUTH_TOKEN_INVALID for an unknown, malformed, expired or revoked token, and accepts X-Nightjar-Token', async () => {
    const { app, kit, alice } = await setup();
    for (const token of ['nj_' + 'A'.repeat(43), 'not-a-token']) {
      const res = await app.inject({ url: '/api/v1/me', headers: bearer(token) });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('AUTH_TOKEN_INVALID');
    }
    const ok = await app.inject({ url: '/api/v1/me', headers: { 'x-nightjar-token': alice } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ user: { name: 'alice', admin: false }, scopes: ['read', 'write'] });

    const shortLived = await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: 60_000 });
    kit.now.value = new Date(kit.now.value.getTime() + 61_000);
    const expired = await app.inject({ url: '/api/v1/me', headers: bearer(shortLived.token) });
    expect(expired.statusCode).toBe(403);
    expect(expired.json().error.message).toContain('expired');

    await kit.platform.tokens.revoke(kit.platform.tokens.lookup(alice)!.id);
    const revoked = await app.inject({ url: '/api/v1/me', headers: bearer(alice) });
    expect(revoked.statusCode).toBe(403);
    expect(revoked.json().error.message).toContain('revoked');
  });

  it('refuses the tokens of a disabled user', async () => {
    const { app, kit, alice } = await setup();
    await kit.platform.users.setDisabled('alice', true);
    const res = await app.inject({ url: '/api/v1/me', headers: bearer(alice) });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('AUTH_TOKEN_INVALID');
  });

  it('answers 403 AUTH_SCOPE when the token lacks the scope: read token writing, non-admin administering', async () => {
    const { app, reader, alice } = await setup();
    const write = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(reader), payload: {} });
    expect(write.statusCode).toBe(403);
    expect(write.json().error).toMatchObject({ code: 'AUTH_SCOPE', details: { needed: 'write', granted: ['read'] } });
    const admin = await app.inject({ url: '/api/v1/users', headers: bearer(alice) });
    expect(admin.statusCode).toBe(403);
    expect(admin.json().error.code).toBe('AUTH_SCOPE');
  });

  it('lets administrators create and list users; a taken name is 409 and a bad one 400', async () => {
    const { app, root } = await setup();
    const created = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(root), payload: { name: 'bob', email: 'bob@example.org' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'bob', email: 'bob@example.org', admin: false, disabled: false });
    const again = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(root), payload: { name: 'bob' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ALREADY_EXISTS');
    const bad = await app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(root), payload: { name: 'Bob Smith' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('REQUEST_INVALID');
    const list = await app.inject({ url: '/api/v1/users', headers: bearer(root) });
    expect(list.json().users.map((u: { name: string }) => u.name)).toEqual(['alice', 'bob', 'root']);
  });

  it('creates a token whose secret is shown once and never listed; no escalation beyond the caller\'s scopes', async () => {
    const { app, alice } = await setup();
    const created = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(alice), payload: { scopes: ['read'], expiresIn: '7d', name: 'laptop' } });
    expect(created.statusCode).toBe(201);
    const { token, record } = created.json();
    expect(token).toMatch(/^nj_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ owner: 'alice', scopes: ['read'], name: 'laptop', expiresAt: '2026-03-08T12:00:00.000Z', revokedAt: null, prefix: token.slice(0, 9) });
    const list = await app.inject({ url: '/api/v1/tokens', headers: bearer(token) });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(token);
    expect(list.json().tokens).toHaveLength(3);

    const admin = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(alice), payload: { scopes: ['admin'] } });
    expect(admin.statusCode).toBe(400);
  });

  it('keeps tokens per user: another user\'s token is 404 to revoke and 403 to list; administrators may do both', async () => {
    const { app, kit, alice, root } = await setup();
    await kit.platform.users.create({ name: 'bob' });
    const bob = await kit.platform.tokens.issue({ owner: 'bob', scopes: ['read', 'write'], lifetimeMs: null });
    const revoke = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${bob.record.id}`, headers: bearer(alice) });
    expect(revoke.statusCode).toBe(404);
    expect(revoke.json().error.code).toBe('NOT_FOUND');
    const list = await app.inject({ url: '/api/v1/tokens?user=bob', headers: bearer(alice) });
    expect(list.statusCode).toBe(403);
    const forBob = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(alice), payload: { user: 'bob' } });
    expect(forBob.statusCode).toBe(403);
    expect(kit.platform.tokens.get(bob.record.id)!.revokedAt).toBeNull();

    const adminList = await app.inject({ url: '/api/v1/tokens?user=bob', headers: bearer(root) });
    expect(adminList.json().tokens.map((t: { id: string }) => t.id)).toEqual([bob.record.id]);
    const adminRevoke = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${bob.record.id}`, headers: bearer(root) });
    expect(adminRevoke.statusCode).toBe(200);
    expect(adminRevoke.json().revokedAt).toBe('2026-03-01T12:00:00.000Z');
    const refused = await app.inject({ url: '/api/v1/me', headers: bearer(bob.token) });
    expect(refused.statusCode).toBe(403);
  });

  it('rejects invalid requests with 400 REQUEST_INVALID naming the problem', async () => {
    const { app, alice } = await setup();
    const res = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(alice), payload: { scopes: ['root'] } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'REQUEST_INVALID', message: expect.stringContaining('scopes') });
    const id = await app.inject({ method: 'DELETE', url: '/api/v1/tokens/xyz', headers: bearer(alice) });
    expect(id.statusCode).toBe(400);
  });

  it('answers 413 REQUEST_TOO_LARGE above the body limit', async () => {
    const { app, alice } = await setup({ bodyLimit: 1_000 });
    const res = await app.inject({ method: 'POST', url: '/api/v1/filters/validate', headers: bearer(alice), payload: { expression: `mag < ${'1'.repeat(2_000)}` } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('REQUEST_TOO_LARGE');
  });

  it('answers 429 RATE_LIMITED past the per-token limit, counting each token separately', async () => {
    const { app, alice, reader } = await setup({ rateLimit: { max: 3, timeWindowMs: 60_000 } });
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await app.inject({ url: '/api/v1/me', headers: bearer(alice) })).statusCode);
    expect(codes).toEqual([200, 200, 200, 429]);
    const limited = await app.inject({ url: '/api/v1/me', headers: bearer(alice) });
    expect(limited.json().error.code).toBe('RATE_LIMITED');
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await app.inject({ url: '/api/v1/me', headers: bearer(reader) })).statusCode).toBe(200);
  });

  it('never writes a token into the logs', async () => {
    const logs: string[] = [];
    const { app, alice } = await setup({ logs });
    await app.inject({ url: '/api/v1/me', headers: bearer(alice) });
    await app.inject({ url: '/api/v1/me', headers: { 'x-nightjar-token': alice } });
    const created = await app.inject({ method: 'POST', url: '/api/v1/tokens', headers: bearer(alice), payload: {} });
    await app.inject({ url: '/api/v1/me', headers: bearer('nj_' + 'B'.repeat(43)) });
    expect(logs.length).toBeGreaterThan(0);
    const text = logs.join('');
    expect(text).not.toContain(alice);
    expect(text).not.toContain(created.json().token);
    expect(text).not.toContain('B'.repeat(43));
  });
});

