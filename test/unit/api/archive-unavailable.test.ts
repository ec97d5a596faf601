import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/server.js';
import { archiveQueries } from '../../../src/clickhouse/archive-queries.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { memoryServices } from './memory-services.js';
import type { ApiServices } from '../../../src/api/context.js';

const routes = ['/api/v1/alerts/123', '/api/v1/objects/ZTF18abcdefg', '/api/v1/objects/ZTF18abcdefg?format=csv', '/api/v1/cone?ra=10&dec=20&radius=5', '/api/v1/alerts/123/cutouts/science', '/api/v1/alerts/123/cutouts/difference?format=fits'];
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });
// Nothing listens on port 1: every request is refused at once.
const unreachable = createClient({ url: 'http://127.0.0.1:1', request_timeout: 2_000, log: { level: ClickHouseLogLevel.OFF } });

afterAll(async () => {
  await unreachable.close();
});

async function setup(archive?: ApiServices['archive']) {
  const kit = memoryServices(archive ? { archive } : {});
  const app = buildApi({ config: kit.config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: kit.services });
  await kit.platform.users.create({ name: 'alice' });
  const reader = await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: null });
  return { app, headers: { authorization: `Bearer ${reader.token}` } };
}

describe('archive routes without an archive', () => {
  it('answer 503 ARCHIVE_UNAVAILABLE when the process has no archive', async () => {
    const { app, headers } = await setup();
    for (const url of routes) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error.code, url).toBe('ARCHIVE_UNAVAILABLE');
    }
    const scs = await app.inject({ url: '/api/v1/scs?RA=10&DEC=20&SR=0.1', headers });
    expect(scs.statusCode).toBe(503);
    expect(scs.headers['content-type']).toBe('text/xml; charset=UTF-8');
    expect(parser.parse(scs.body).VOTABLE.RESOURCE.INFO[0]).toMatchObject({ name: 'QUERY_STATUS', value: 'ERROR' });
  });

  it('answer 503 CLICKHOUSE_UNAVAILABLE, not 500, when ClickHouse does not answer', async () => {
    const { app, headers } = await setup(archiveQueries(unreachable, 'nightjar', []));
    for (const url of routes) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error.code, url).toBe('CLICKHOUSE_UNAVAILABLE');
    }
    const scs = await app.inject({ url: '/api/v1/scs?RA=10&DEC=20&SR=0.1', headers });
    expect(scs.statusCode, scs.body).toBe(503);
    expect(parser.parse(scs.body).VOTABLE.RESOURCE.INFO[0]['#text']).toContain('CLICKHOUSE_UNAVAILABLE');
  });

  it('need a token: 400 AUTH_TOKEN_MISSING before anything else', async () => {
    const { app } = await setup();
    for (const url of routes) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('AUTH_TOKEN_MISSING');
    }
  });

  it('challenge VO clients without a token for HTTP Basic on /scs, and take the token as the Basic password', async () => {
    const { app, headers } = await setup();
    const challenge = await app.inject({ url: '/api/v1/scs?RA=10&DEC=20&SR=0' });
    expect(challenge.statusCode).toBe(401);
    expect(challenge.headers['www-authenticate']).toMatch(/^Basic realm=/);
    expect(parser.parse(challenge.body).VOTABLE.RESOURCE.INFO[0]).toMatchObject({ name: 'QUERY_STATUS', value: 'ERROR' });
    const token = headers.authorization.slice('Bearer '.length);
    const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
    const ok = await app.inject({ url: '/api/v1/scs?RA=10&DEC=20&SR=0', headers: basic('anyone', token) });
    expect(ok.statusCode).toBe(200);
    expect(parser.parse(ok.body).VOTABLE.RESOURCE.INFO).toMatchObject({ name: 'QUERY_STATUS', value: 'OK' });
    const bad = await app.inject({ url: '/api/v1/scs?RA=10&DEC=20&SR=0', headers: basic('anyone', 'nj_' + 'A'.repeat(43)) });
    expect(bad.statusCode).toBe(403);
    expect(bad.json().error.code).toBe('AUTH_TOKEN_INVALID');
    // Basic is understood on /scs only.
    expect((await app.inject({ url: '/api/v1/cone?ra=1&dec=1&radius=1', headers: basic('anyone', token) })).json().error.code).toBe('AUTH_TOKEN_MISSING');
  });

  it('check parameters before the archive: 400 REQUEST_INVALID as JSON, SCS errors as a VOTable', async () => {
    const { app, headers } = await setup();
    for (const url of ['/api/v1/cone?ra=10&dec=91&radius=5', '/api/v1/cone?ra=10&dec=20&radius=3601', '/api/v1/cone?ra=10&dec=20', '/api/v1/cone?ra=10&dec=20&radius=0', '/api/v1/cone?ra=10&dec=20&radius=1&limit=0', '/api/v1/alerts/12%2734/cutouts/science', '/api/v1/alerts/1/cutouts/raw', '/api/v1/alerts/1/cutouts/science?format=jpeg', '/api/v1/objects/x?format=xml', '/api/v1/alerts/1?survey=gaia']) {
      const res = await app.inject({ url, headers });
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toBe('REQUEST_INVALID');
    }
    for (const query of ['RA=10&DEC=20', 'RA=10&DEC=20&SR=1.5', 'RA=abc&DEC=20&SR=0.1', 'RA=10&DEC=-91&SR=0.1', 'RA=400&DEC=0&SR=0.1']) {
      const res = await app.inject({ url: `/api/v1/scs?${query}`, headers });
      expect(res.statusCode, query).toBe(200);
      expect(res.headers['content-type']).toBe('text/xml; charset=UTF-8');
      const infos = parser.parse(res.body).VOTABLE.RESOURCE.INFO;
      expect(infos[0], query).toMatchObject({ name: 'QUERY_STATUS', value: 'ERROR' });
      expect(infos[0]['#text'], query).toMatch(/bad parameters/);
    }
    // SR = 0 asks for the columns only; lower-case parameter names are the same parameters.
    const metadata = await app.inject({ url: '/api/v1/scs?ra=10&dec=20&sr=0', headers });
    expect(metadata.statusCode).toBe(200);
    expect(parser.parse(metadata.body).VOTABLE.RESOURCE.INFO).toMatchObject({ name: 'QUERY_STATUS', value: 'OK' });
  });

  it('are in the OpenAPI document with their parameters and media types', async () => {
    const { app } = await setup();
    const doc = (await app.inject({ url: '/openapi.json' })).json();
    const paths = doc.paths as Record<string, { get: { parameters: { name: string }[]; responses: Record<string, { content?: Record<string, unknown> }> } }>;
    expect(Object.keys(paths)).toEqual(expect.arrayContaining(['/api/v1/alerts/{alertId}', '/api/v1/objects/{objectId}', '/api/v1/cone', '/api/v1/scs', '/api/v1/alerts/{alertId}/cutouts/{kind}']));
    expect(paths['/api/v1/cone']!.get.parameters.map((p) => p.name).sort()).toEqual(['dec', 'limit', 'ra', 'radius', 'since', 'survey', 'until']);
    expect(paths['/api/v1/scs']!.get.parameters.map((p) => p.name).sort()).toEqual(['DEC', 'RA', 'SR', 'VERB']);
    expect(Object.keys(paths['/api/v1/objects/{objectId}']!.get.responses['200']!.content!).sort()).toEqual(['application/json', 'text/csv']);
    expect(Object.keys(paths['/api/v1/alerts/{alertId}/cutouts/{kind}']!.get.responses['200']!.content!).sort()).toEqual(['application/fits', 'image/png']);
    expect(Object.keys(paths['/api/v1/scs']!.get.responses['200']!.content!)).toEqual(['text/xml']);
  });
});
