import { describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/server.js';
import { loadDashboardAssets } from '../../../src/dashboard/assets.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { memoryServices } from '../api/memory-services.js';

const kit = memoryServices();
const app = buildApi({ config: kit.config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: kit.services });
const assets = loadDashboardAssets();

describe('the dashboard served by the api role', () => {
  it('serves / with a CSP that allows only this origin, and revalidates it by ETag', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.headers['cache-control']).toBe('no-cache');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain(assets.importMapHash);
    expect(page.body).toContain(`/assets/${assets.version}/app.js`);
    const again = await app.inject({ url: '/', headers: { 'if-none-match': String(page.headers.etag) } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('serves every asset the page and its modules name, from this process, as immutable', async () => {
    const page = (await app.inject({ url: '/' })).body;
    const referenced = new Set([...page.matchAll(/"(\/assets\/[^"]+)"/g)].map((m) => m[1]!));
    expect(referenced.size).toBeGreaterThan(5);
    // Every relative import of every module resolves to a served asset.
    for (const [name, asset] of assets.files) {
      if (!name.endsWith('.js')) continue;
      for (const m of asset.body.toString('utf8').matchAll(/^import [^'"]*['"](\.[^'"]+)['"]/gm)) referenced.add(new URL(m[1]!, `http://x/assets/${assets.version}/${name}`).pathname);
    }
    for (const url of referenced) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toBe('public, max-age=31536000, immutable');
      expect(res.headers.etag, url).toMatch(/^"[\w-]+"$/);
    }
    // No module reaches for another host: the dashboard works without external network.
    for (const [name, asset] of assets.files) expect(asset.body.toString('utf8'), name).not.toMatch(/(src|href)=["']https?:\/\//);
  });

  it('compresses text assets for clients that accept gzip', async () => {
    const res = await app.inject({ url: `/assets/${assets.version}/vendor/uplot.mjs`, headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.rawPayload.length).toBeLessThan(assets.files.get('vendor/uplot.mjs')!.body.length / 2);
  });

  it('answers 404 from the error catalogue for an unknown asset or an old version', async () => {
    for (const url of [`/assets/${assets.version}/nope.js`, '/assets/000000000000/app.js']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });
});

describe('GET /api/v1/fields', () => {
  it('needs a token and lists the catalogue, concrete paths and functions for autocompletion', async () => {
    expect((await app.inject({ url: '/api/v1/fields' })).statusCode).toBe(400);
    await kit.platform.users.create({ name: 'ada' });
    const { token } = await kit.platform.tokens.issue({ owner: 'ada', scopes: ['read'], lifetimeMs: null });
    const res = await app.inject({ url: '/api/v1/fields', headers: { authorization: `Bearer ${token}` } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const mag = body.fields.find((f: { path: string }) => f.path === 'mag');
    expect(mag).toMatchObject({ type: 'number', unit: 'mag' });
    expect(body.paths).toContain('ztf.candidate.magpsf');
    expect(body.paths).toContain('anomaly.score');
    expect(body.fields.some((f: { path: string }) => f.path === 'xmatch.{catalog}.sep')).toBe(true);
    expect(body.functions.map((f: { name: string }) => f.name)).toContain('exists');
  });
});
