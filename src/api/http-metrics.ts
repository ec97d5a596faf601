import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * HTTP metrics of the API server. `route` is the route pattern fastify matched
 * (`/api/v1/filters/:id`), never the raw URL, and `unmatched` for requests no route answered
 * (404s), so the label sets stay bounded whatever clients send.
 */
export interface HttpMetrics {
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
}

const NAMES = { requests: 'nightjar_http_requests_total', duration: 'nightjar_http_request_duration_seconds' } as const;

/** Label of requests that matched no route. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Registered once per registry (several servers on one registry share them). */
export function httpMetrics(registry: Registry): HttpMetrics {
  const existing = registry.getSingleMetric(NAMES.requests);
  if (existing) return { requests: existing as HttpMetrics['requests'], duration: registry.getSingleMetric(NAMES.duration) as HttpMetrics['duration'] };
  return {
    requests: new Counter({ name: NAMES.requests, help: 'HTTP requests answered, by method, route pattern and status code', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    duration: new Histogram({
      name: NAMES.duration,
      help: 'Time from receiving an HTTP request to sending the last byte of its answer, by method and route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

/** Counts and times every answered request; add before the routes are registered so every plugin inherits it. */
export function observeHttp(app: FastifyInstance, registry: Registry): void {
  const metrics = httpMetrics(registry);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
}
