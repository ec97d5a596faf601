import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { ApiServices } from './context.js';
import { toNightjarError } from './errors.js';
import { observeHttp } from './http-metrics.js';
import { registerOpenApi } from './openapi.js';
import type { ReadinessCheck } from './readiness.js';
import { operationsRoutes } from './routes/operations.js';
import { v1Routes } from './routes/v1.js';
import { explainNodeSchema } from './routes/filter-tools.js';
import { loadDashboardAssets } from '../dashboard/assets.js';
import { dashboardRoutes } from '../dashboard/routes.js';

export interface ApiOptions {
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Dependencies whose reachability /readyz reports (Kafka, ClickHouse). */
  readiness: ReadinessCheck[];
  /** Users, tokens and filters: with them the server answers /api/v1 (the api role); without, only operations routes. */
  services?: ApiServices;
}

/** Header values that are credentials: never in a log line, whatever a handler logs. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-nightjar-token"]', 'headers.authorization', 'headers["x-nightjar-token"]', 'request.headers.authorization', 'request.headers["x-nightjar-token"]'];

/** The HTTP server every process runs (/healthz, /readyz, /metrics, /openapi.json, /docs), plus /api/v1 in the api role. */
export function buildApi(options: ApiOptions): FastifyInstance {
  const { config, services } = options;
  const logger = options.logger.child({ component: 'api' }, { redact: { paths: REDACTED, censor: '[redacted]' } });
  // Request logging is ours (onResponse below): method, route, status, user; never headers.
  const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, bodyLimit: config.api.bodyLimit, logController: new LogController({ disableRequestLogging: true }), ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } } });

  app.setErrorHandler((err, request, reply) => {
    const error = toNightjarError(err);
    if (error.status >= 500) logger.error({ err, method: request.method, route: request.routeOptions.url }, 'request failed');
    void reply.status(error.status).send({ error: error.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.status(404).send({ error: new NightjarError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`).toJSON() });
  });
  app.addHook('onResponse', async (request, reply) => {
    logger.debug({ method: request.method, route: request.routeOptions.url, status: reply.statusCode, user: request.principal?.user, ms: Math.round(reply.elapsedTime) }, 'request');
  });

  observeHttp(app, options.registry);
  registerOpenApi(app, packageVersion());
  app.addSchema(explainNodeSchema);
  void app.register(async (scope) => operationsRoutes(scope, options));
  if (services) void app.register(async (v1) => v1Routes(v1, { ...services, operations: { registry: options.registry, readiness: options.readiness } }), { prefix: '/api/v1' });
  // The dashboard (docs/dashboard.md) talks to /api/v1, so it is served where that is.
  if (services) void app.register(async (scope) => dashboardRoutes(scope, loadDashboardAssets(), { hipsUrl: config.dashboard.hips.url, hipsProbeTimeoutMs: config.dashboard.hips.probeTimeoutMs }));
  return app;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
