import type { FastifyInstance } from 'fastify';
import type { ApiOptions } from '../server.js';

const checkSchema = { type: 'object', required: ['name', 'ok', 'detail'], properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } } } as const;
const readySchema = { type: 'object', required: ['status', 'checks'], properties: { status: { type: 'string', enum: ['ready', 'not ready'] }, checks: { type: 'array', items: checkSchema } } } as const;

/** Health, readiness and metrics: unauthenticated, for orchestrators and Prometheus. */
export function operationsRoutes(app: FastifyInstance, { registry, readiness }: ApiOptions): void {
  app.get('/healthz', { schema: { summary: 'The process is running', tags: ['operations'], response: { 200: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } } } }, async () => ({ status: 'ok' }));

  app.get(
    '/readyz',
    { schema: { summary: 'Every dependency (Kafka, ClickHouse) answers', tags: ['operations'], response: { 200: readySchema, 503: readySchema } } },
    async (_request, reply) => {
      const results = await Promise.all(readiness.map(async (check) => ({ name: check.name, ...(await check.probe()) })));
      const ready = results.every((r) => r.ok);
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
    },
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format)', tags: ['operations'], produces: ['text/plain'], response: { 200: { type: 'string' } } } }, async (_request, reply) => {
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
}
