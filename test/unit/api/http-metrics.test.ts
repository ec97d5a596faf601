import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { observeHttp } from '../../../src/api/http-metrics.js';
import { buildApi } from '../../../src/api/server.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';

/** The value of one sample line of the exposition text, or undefined when the series is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('HTTP metrics', () => {
  it('labels requests by route pattern, never by raw URL, and 404s as unmatched', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const app = Fastify();
    observeHttp(app, registry);
    await app.register(async (v1) => {
      v1.get('/filters/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    }, { prefix: '/api/v1' });
    for (const id of ['a', 'b', 'c']) expect((await app.inject({ url: `/api/v1/filters/${id}?x=${id}` })).statusCode).toBe(200);
    expect((await app.inject({ url: '/no/such/route/123' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/another/unknown' })).statusCode).toBe(404);

    const text = await registry.metrics();
    expect(sample(text, 'nightjar_http_requests_total{method="GET",route="/api/v1/filters/:id",status="200"}')).toBe(3);
    expect(sample(text, 'nightjar_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
    expect(sample(text, 'nightjar_http_requests_total{method="POST",route="unmatched",status="404"}')).toBe(1);
    expect(sample(text, 'nightjar_http_request_duration_seconds_count{method="GET",route="/api/v1/filters/:id"}')).toBe(3);
    // No raw path or query string leaks into a label.
    expect(text).not.toMatch(/filters\/[abc]|x=|no\/such/);
  });

  it('counts the operations routes of the server every role runs, with their status', async () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const app = buildApi({ config: loadConfig({ env: {} }), logger: silentLogger(), registry, readiness: [] });
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/healthz' });
    await app.inject({ url: '/nope' });
    const text = (await app.inject({ url: '/metrics' })).body;
    expect(text).toContain('# TYPE nightjar_http_requests_total counter');
    expect(text).toContain('# TYPE nightjar_http_request_duration_seconds histogram');
    expect(sample(text, 'nightjar_http_requests_total{method="GET",route="/healthz",status="200"}')).toBe(2);
    expect(sample(text, 'nightjar_http_requests_total{method="GET",route="unmatched",status="404"}')).toBe(1);
  });

  it('shares one set of metrics between servers on the same registry', () => {
    const registry = createMetricsRegistry({ processMetrics: false });
    observeHttp(Fastify(), registry);
    expect(() => observeHttp(Fastify(), registry)).not.toThrow();
  });
});
