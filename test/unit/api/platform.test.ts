import { describe, expect, it } from 'vitest';
import { checkTokenRequest } from '../../../src/api/routes/tokens.js';
import { authenticate, requireScope, tokenFromHeaders, type Principal } from '../../../src/platform/auth.js';
import { ensureFirstAdmin } from '../../../src/platform/bootstrap.js';
import { parseDuration } from '../../../src/platform/duration.js';
import { platformOf } from '../../../src/platform/platform.js';
import { grants, parseScopes } from '../../../src/platform/scopes.js';
import { displayPrefix, generateSecret, hashToken, looksLikeToken, parseTokenRecord, tokenProblem, TokenStore, type TokenRecord } from '../../../src/platform/tokens.js';
import { UserStore, type UserRecord } from '../../../src/platform/users.js';
import { silentLogger } from '../../../src/log/logger.js';
import { MemoryState } from './memory-services.js';

const at = new Date('2026-03-01T00:00:00Z');

function stores() {
  const tokenState = new MemoryState<TokenRecord>();
  const platform = platformOf(new UserStore(new MemoryState<UserRecord>(), () => at), new TokenStore(tokenState, () => at));
  return { platform, tokenState };
}

describe('tokens', () => {
  it('are 256 random bits in base64url behind the nj_ prefix, identified by their SHA-256', () => {
    const secret = generateSecret(() => Buffer.alloc(32, 0xff));
    // 256 bits: 42 full base64url characters and 4 bits padded into a 43rd
    expect(secret).toBe(`nj_${'_'.repeat(42)}8`);
    expect(looksLikeToken(secret)).toBe(true);
    expect(looksLikeToken(generateSecret())).toBe(true);
    expect(generateSecret()).not.toBe(generateSecret());
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(displayPrefix(secret)).toBe(`nj_${'_'.repeat(6)}`);
    expect(looksLikeToken('nj_short')).toBe(false);
  });

  it('are stored only as their hash: the secret appears nowhere in the published record', async () => {
    const { platform, tokenState } = stores();
    const { token, record } = await platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: 3_600_000 });
    expect([...tokenState.map.keys()]).toEqual([hashToken(token)]);
    expect(JSON.stringify([...tokenState.map.values()])).not.toContain(token.slice(9));
    expect(record.expiresAt).toBe('2026-03-01T01:00:00.000Z');
    expect(platform.tokens.lookup(token)).toEqual(record);
  });

  it('are unusable once revoked or expired; revoking twice keeps the first time', async () => {
    const { platform } = stores();
    const { record } = await platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: 1_000 });
    expect(tokenProblem(record, at)).toBeNull();
    expect(tokenProblem(record, new Date(at.getTime() + 1_000))).toBe('expired');
    const revoked = await platform.tokens.revoke(record.id);
    expect(tokenProblem(revoked, at)).toBe('revoked');
    expect((await platform.tokens.revoke(record.id)).revokedAt).toBe(revoked.revokedAt);
    await expect(platform.tokens.revoke('f'.repeat(64))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuse stored records whose key is not their hash or whose scopes are unknown', () => {
    const good = { id: 'a'.repeat(64), owner: 'x', scopes: ['read'] };
    expect(parseTokenRecord(good, 'a'.repeat(64))).toEqual(good);
    expect(() => parseTokenRecord(good, 'b'.repeat(64))).toThrow();
    expect(() => parseTokenRecord({ ...good, scopes: ['root'] }, 'a'.repeat(64))).toThrow();
  });
});

describe('scopes and lifetimes', () => {
  it('nest: admin includes write includes read', () => {
    expect(grants(['admin'], 'read')).toBe(true);
    expect(grants(['write'], 'read')).toBe(true);
    expect(grants(['write'], 'admin')).toBe(false);
    expect(grants(['read'], 'write')).toBe(false);
    expect(parseScopes('read, write,read')).toEqual(['read', 'write']);
    expect(() => parseScopes('read,root')).toThrow(/unknown scope "root"/);
    expect(() => parseScopes('')).toThrow(/no scopes/);
  });

  it('lifetimes read as m, h, d, w or never', () => {
    expect(parseDuration('90m')).toBe(5_400_000);
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    expect(parseDuration('never')).toBeNull();
    expect(() => parseDuration('30 days')).toThrow(/30d/);
    expect(() => parseDuration('0d')).toThrow();
    expect(() => parseDuration('9999d')).toThrow(/3650d/);
  });
});

describe('authentication', () => {
  it('reads Bearer and X-Nightjar-Token headers, nothing else', () => {
    expect(tokenFromHeaders({ authorization: 'Bearer nj_x' })).toBe('nj_x');
    expect(tokenFromHeaders({ authorization: 'bearer   nj_x ' })).toBe('nj_x');
    expect(tokenFromHeaders({ 'x-nightjar-token': 'nj_y' })).toBe('nj_y');
    expect(tokenFromHeaders({ authorization: 'Basic dXNlcjpwdw==' })).toBeUndefined();
    expect(tokenFromHeaders({})).toBeUndefined();
  });

  it('maps each failure to its code and never grants admin to a non-administrator', async () => {
    const { platform } = stores();
    await platform.users.create({ name: 'alice' });
    const forged = await platform.tokens.issue({ owner: 'alice', scopes: ['read', 'admin'], lifetimeMs: null });
    expect(() => authenticate(undefined, platform.credentials, at)).toThrow(expect.objectContaining({ code: 'AUTH_TOKEN_MISSING', status: 400 }));
    expect(() => authenticate('nj_nope', platform.credentials, at)).toThrow(expect.objectContaining({ code: 'AUTH_TOKEN_INVALID', status: 403 }));
    const principal = authenticate(forged.token, platform.credentials, at);
    expect(principal).toEqual({ user: 'alice', admin: false, scopes: ['read'], tokenId: forged.record.id });
    expect(() => requireScope(principal, 'write')).toThrow(expect.objectContaining({ code: 'AUTH_SCOPE', status: 403 }));
    const ghost = await platform.tokens.issue({ owner: 'ghost', scopes: ['read'], lifetimeMs: null });
    expect(() => authenticate(ghost.token, platform.credentials, at)).toThrow(/unknown/);
  });

  it('lets a caller mint only tokens within their own scopes, for themselves unless administrator', () => {
    const alice: Principal = { user: 'alice', admin: false, scopes: ['read', 'write'], tokenId: 'x' };
    const root: Principal = { user: 'root', admin: true, scopes: ['read', 'write', 'admin'], tokenId: 'y' };
    expect(() => checkTokenRequest(alice, { name: 'alice', admin: false }, ['read'])).not.toThrow();
    expect(() => checkTokenRequest({ ...alice, scopes: ['read'] }, { name: 'alice', admin: false }, ['write'])).toThrow(expect.objectContaining({ code: 'AUTH_SCOPE' }));
    expect(() => checkTokenRequest(alice, { name: 'bob', admin: false }, ['read'])).toThrow(expect.objectContaining({ code: 'AUTH_SCOPE' }));
    expect(() => checkTokenRequest(root, { name: 'bob', admin: false }, ['admin'])).toThrow(expect.objectContaining({ code: 'REQUEST_INVALID' }));
    expect(() => checkTokenRequest(root, { name: 'bob', admin: false }, ['read', 'write'])).not.toThrow();
  });
});

describe('ensureFirstAdmin', () => {
  it('creates user admin with an admin token once, and nothing when an administrator exists', async () => {
    const { platform } = stores();
    const first = await ensureFirstAdmin(platform, silentLogger());
    expect(first.created).toBe(true);
    const principal = authenticate(first.token, platform.credentials, at);
    expect(principal).toMatchObject({ user: 'admin', admin: true, scopes: ['read', 'write', 'admin'] });
    expect(await ensureFirstAdmin(platform, silentLogger())).toEqual({ created: false });
    expect(platform.tokens.ownedBy('admin')).toHaveLength(1);
  });
});
