import SwaggerParser from '@apidevtools/swagger-parser';
import { describe, expect, it } from 'vitest';
import { buildApi } from '../../../src/api/server.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { memoryServices } from './memory-services.js';

const app = buildApi({ config: memoryServices().config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: memoryServices().services });

/** Every route of the API, as docs/api.md lists them. */
const routes = [
  'get /healthz', 'get /readyz', 'get /metrics',
  'get /api/v1/me', 'post /api/v1/users', 'get /api/v1/users',
  'post /api/v1/tokens', 'get /api/v1/tokens', 'delete /api/v1/tokens/{id}',
  'post /api/v1/filters', 'get /api/v1/filters', 'get /api/v1/filters/{id}', 'post /api/v1/filters/{id}/versions',
  'post /api/v1/filters/validate', 'post /api/v1/filters/test', 'post /api/v1/filters/{id}/activate', 'post /api/v1/filters/{id}/pause',
  'get /api/v1/filters/{id}/stats', 'get /api/v1/filters/{id}/notices', 'get /api/v1/streams',
  'put /api/v1/watchlists/{name}', 'get /api/v1/watchlists', 'delete /api/v1/watchlists/{name}', 'put /api/v1/watchmaps/{name}', 'get /api/v1/watchmaps', 'delete /api/v1/watchmaps/{name}',
  'post /api/v1/jobs', 'get /api/v1/jobs', 'get /api/v1/jobs/{id}', 'get /api/v1/jobs/{id}/results', 'delete /api/v1/jobs/{id}',
  'get /api/v1/fields', 'get /api/v1/status', 'post /api/v1/filters/test/recent', 'get /api/v1/watchmaps/outlines',
  'get /api/v1/alerts/{alertId}', 'get /api/v1/objects/{objectId}', 'get /api/v1/cone', 'get /api/v1/scs', 'get /api/v1/alerts/{alertId}/cutouts/{kind}',
];

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3 and lists every route, with request schemas and error answers', async () => {
    const res = await app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(doc));
    const listed = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(listed.sort()).toEqual([...routes].sort());
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>)) {
      if (!path.startsWith('/api/v1')) continue;
      for (const op of Object.values(ops)) {
        expect(op.security, path).toEqual([{ bearer: [] }, { tokenHeader: [] }]);
        expect(Object.keys(op.responses), path).toContain('4XX');
      }
    }
    expect(doc.paths['/api/v1/filters'].post.requestBody.content['application/json'].schema.required).toEqual(['id', 'expression']);
    expect(doc.components.schemas.ExplainNode).toBeDefined();
  });

  it('serves the Swagger UI and its assets from this process (works offline)', async () => {
    const page = await app.inject({ url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    const scripts = [...page.body.matchAll(/src="([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      expect(src, 'no script from another host').not.toMatch(/^https?:/);
      const asset = await app.inject({ url: new URL(src, 'http://localhost/docs').pathname });
      expect(asset.statusCode, src).toBe(200);
      expect(asset.body.length).toBeGreaterThan(1_000);
    }
    // The page loads the document from ./json, next to itself: the same document as /openapi.json.
    const initializer = await app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(initializer.body).toContain("resolveUrl('./json')");
    const spec = await app.inject({ url: '/docs/json' });
    expect(spec.json()).toEqual((await app.inject({ url: '/openapi.json' })).json());
  });
});
