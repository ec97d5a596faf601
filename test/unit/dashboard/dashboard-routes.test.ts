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
    // No module reaches for another host: the dashboard works without external network. Aladin
    // Lite names CDS services for features the sky view does not turn on; the CSP (next test) is
    // what keeps it to the configured image survey.
    for (const [name, asset] of assets.files) if (name !== 'vendor/aladin.mjs') expect(asset.body.toString('utf8'), name).not.toMatch(/(src|href)=["']https?:\/\//);
  });

  it('names the configured image survey in the page and allows its origin, and only it, in the CSP', async () => {
    const page = await app.inject({ url: '/' });
    expect(kit.config.dashboard.hips.url).toBe('https://alasky.cds.unistra.fr/DSS/DSSColor');
    expect(page.body).toContain('<meta name="nightjar-hips-url" content="https://alasky.cds.unistra.fr/DSS/DSSColor">');
    expect(page.body).toContain(`<meta name="nightjar-hips-probe-ms" content="${kit.config.dashboard.hips.probeTimeoutMs}">`);
    const csp = Object.fromEntries(String(page.headers['content-security-policy']).split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(csp['connect-src']).toEqual(["'self'", 'ws:', 'wss:', 'data:', 'https://alasky.cds.unistra.fr']);
    expect(csp['img-src']).toEqual(["'self'", 'blob:', 'data:', 'https://alasky.cds.unistra.fr']);
    expect(csp['script-src']).toContain("'wasm-unsafe-eval'");
    expect(csp['worker-src']).toEqual(["'self'", 'blob:']);

    // No survey: the page reaches no other origin and compiles no WebAssembly.
    const offline = memoryServices();
    offline.config.dashboard.hips.url = '';
    const bare = buildApi({ config: offline.config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: offline.services });
    const res = await bare.inject({ url: '/' });
    expect(res.body).toContain('<meta name="nightjar-hips-url" content="">');
    const policy = String(res.headers['content-security-policy']);
    expect(policy).toContain("connect-src 'self' ws: wss:;");
    expect(policy).toContain("img-src 'self' blob: data:;");
    expect(policy).not.toContain('wasm');
    expect(policy).not.toContain('worker-src');
    expect(res.headers.etag).not.toBe(page.headers.etag);
  });

  it('serves Aladin Lite (imported by the sky view only) compressed', async () => {
    expect(assets.files.get('vendor/aladin.mjs')?.body.toString('utf8', 0, 4000)).toContain('const IC="3.8.2"');
    const res = await app.inject({ url: `/assets/${assets.version}/vendor/aladin.mjs`, headers: { 'accept-encoding': 'gzip' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/javascript');
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
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
