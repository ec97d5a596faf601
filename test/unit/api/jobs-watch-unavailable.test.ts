import { describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/server.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { memoryServices } from './memory-services.js';

async function setup() {
  const kit = memoryServices({});
  const app = buildApi({ config: kit.config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: kit.services });
  await kit.platform.users.create({ name: 'alice' });
  const writer = await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read', 'write'], lifetimeMs: null });
  const reader = await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: null });
  return { app, write: { authorization: `Bearer ${writer.token}` }, read: { authorization: `Bearer ${reader.token}` } };
}

const job = 'job-00000000-0000-0000-0000-000000000000';

describe('jobs and watchlist routes in a process without them', () => {
  it('answer 503 JOBS_UNAVAILABLE and WATCH_UNAVAILABLE, after authentication and validation', async () => {
    const { app, write } = await setup();
    const cases: [string, string, unknown, string][] = [
      ['POST', '/api/v1/jobs', { kind: 'query', params: { sql: 'SELECT 1' } }, 'JOBS_UNAVAILABLE'],
      ['GET', '/api/v1/jobs', undefined, 'JOBS_UNAVAILABLE'],
      ['GET', `/api/v1/jobs/${job}`, undefined, 'JOBS_UNAVAILABLE'],
      ['GET', `/api/v1/jobs/${job}/results`, undefined, 'JOBS_UNAVAILABLE'],
      ['DELETE', `/api/v1/jobs/${job}`, undefined, 'JOBS_UNAVAILABLE'],
      ['PUT', '/api/v1/watchlists/targets', { entries: [{ name: 'a', ra: 1, dec: 2 }] }, 'WATCH_UNAVAILABLE'],
      ['GET', '/api/v1/watchlists', undefined, 'WATCH_UNAVAILABLE'],
      ['DELETE', '/api/v1/watchlists/targets', undefined, 'WATCH_UNAVAILABLE'],
      ['PUT', '/api/v1/watchmaps/field', { cone: { ra: 1, dec: 2, radius: 3 } }, 'WATCH_UNAVAILABLE'],
      ['GET', '/api/v1/watchmaps', undefined, 'WATCH_UNAVAILABLE'],
      ['DELETE', '/api/v1/watchmaps/field', undefined, 'WATCH_UNAVAILABLE'],
    ];
    for (const [method, url, payload, code] of cases) {
      const res = await app.inject({ method: method as 'GET', url, headers: write, ...(payload === undefined ? {} : { payload: payload as object }) });
      expect(res.statusCode, `${method} ${url}`).toBe(503);
      expect(res.json().error.code, `${method} ${url}`).toBe(code);
    }
  });

  it('check the token, its scope and the request before that', async () => {
    const { app, read, write } = await setup();
    expect((await app.inject({ method: 'GET', url: '/api/v1/jobs' })).json().error.code).toBe('AUTH_TOKEN_MISSING');
    const readOnly = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: read, payload: { kind: 'query', params: { sql: 'SELECT 1' } } });
    expect([readOnly.statusCode, readOnly.json().error.code]).toEqual([403, 'AUTH_SCOPE']);
    const badKind = await app.inject({ method: 'POST', url: '/api/v1/jobs', headers: write, payload: { kind: 'mine-bitcoin', params: {} } });
    expect([badKind.statusCode, badKind.json().error.code]).toEqual([400, 'REQUEST_INVALID']);
    const badId = await app.inject({ method: 'GET', url: '/api/v1/jobs/not-a-job', headers: write });
    expect([badId.statusCode, badId.json().error.code]).toEqual([400, 'REQUEST_INVALID']);
    const badName = await app.inject({ method: 'DELETE', url: '/api/v1/watchlists/Not%20A%20Name', headers: write });
    expect([badName.statusCode, badName.json().error.code]).toEqual([400, 'REQUEST_INVALID']);
  });
});
