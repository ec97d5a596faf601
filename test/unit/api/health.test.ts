import { describe, expect, it } from 'vitest';
import { cachedProbe } from '../../../src/api/readiness.js';
import { buildApi } from '../../../src/api/server.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';

function app(kafkaUp: boolean) {
  return buildApi({
    config: loadConfig({ env: {} }),
    logger: silentLogger(),
    registry: createMetricsRegistry(),
    readiness: [
      cachedProbe('kafka', async () => {
        if (!kafkaUp) throw new Error('connect ECONNREFUSED 127.0.0.1:9092');
        return '1 broker(s)';
      }),
      cachedProbe('clickhouse', async () => 'version 18.16.1'),
    ],
  });
}

describe('health, readiness and metrics routes', () => {
  it('answers /healthz while the process runs', async () => {
    const res = await app(false).inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('reports ready only when every dependency answers, naming the one that does not', async () => {
    const up = await app(true).inject({ url: '/readyz' });
    expect(up.statusCode).toBe(200);
    expect(up.json().checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([['kafka', true], ['clickhouse', true]]);
    const down = await app(false).inject({ url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks[0]).toMatchObject({ name: 'kafka', ok: false, detail: expect.stringContaining('ECONNREFUSED') });
  });

  it('exports Prometheus text with the process metrics', async () => {
    const res = await app(true).inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('nightjar_process_cpu_seconds_total');
  });

  it('answers unknown routes with the catalogue error shape', async () => {
    const res = await app(true).inject({ url: '/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'no route GET /nope', details: {} } });
  });
});
