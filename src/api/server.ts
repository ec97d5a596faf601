import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { NightjarError, asNightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { ReadinessCheck } from './readiness.js';

export interface ApiOptions {
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Dependencies whose reachability /readyz reports (Kafka, ClickHouse). */
  readiness: ReadinessCheck[];
}

/** The API role's HTTP server. Routes are registered here; the process listens in `start`. */
export function buildApi(options: ApiOptions): FastifyInstance {
  const { config, registry, readiness } = options;
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'api' }) as FastifyBaseLogger, bodyLimit: config.api.bodyLimit, disableRequestLogging: true });

  app.setErrorHandler((err, _request, reply) => {
    const error = err instanceof NightjarError ? err : toNightjarError(err);
    if (error.status >= 500) options.logger.error({ err }, 'request failed');
    void reply.status(error.status).send({ error: error.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: new NightjarError('NOT_FOUND', `no route ${request.method} ${request.url}`).toJSON() });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    const results = await Promise.all(readiness.map(async (check) => ({ name: check.name, ...(await check.probe()) })));
    const ready = results.every((r) => r.ok);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  app.get('/metrics', async (_request, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });

  return app;
}

function toNightjarError(err: unknown): NightjarError {
  const e = err as { statusCode?: number; validation?: unknown; code?: string };
  if (e.validation) return new NightjarError('REQUEST_INVALID', (err as Error).message);
  if (e.statusCode === 413) return new NightjarError('REQUEST_INVALID', 'request body too large', { details: { limitBytes: true } });
  if (e.statusCode === 429) return new NightjarError('RATE_LIMITED', (err as Error).message);
  if (e.statusCode && e.statusCode < 500) return new NightjarError('REQUEST_INVALID', (err as Error).message);
  return asNightjarError(err);
}
