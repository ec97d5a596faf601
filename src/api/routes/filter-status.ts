import type { FastifyInstance } from 'fastify';
import { ownedOrHidden, readableFilter } from '../access.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { errorResponses, filterIdParams, tokenSecurity } from '../schemas.js';

const statsSchema = {
  type: 'object',
  required: ['filterId', 'available', 'version', 'evaluated', 'matched', 'errors', 'meanEvalMicros', 'lastError', 'reporters', 'updatedAt'],
  properties: {
    filterId: { type: 'string' },
    available: { type: 'boolean', description: 'false until a worker has reported counters for the filter' },
    version: { type: 'integer', nullable: true },
    evaluated: { type: 'integer' },
    matched: { type: 'integer' },
    errors: { type: 'integer' },
    meanEvalMicros: { type: 'number', nullable: true },
    lastError: { type: 'object', nullable: true, properties: { code: { type: 'string' }, message: { type: 'string' } } },
    reporters: { type: 'integer', description: 'workers whose counters are summed' },
    updatedAt: { type: 'string', format: 'date-time', nullable: true },
  },
} as const;

const noticeSchema = {
  type: 'object',
  required: ['filterId', 'owner', 'version', 'kind', 'message', 'at'],
  properties: {
    filterId: { type: 'string' },
    owner: { type: 'string' },
    version: { type: 'integer', nullable: true },
    kind: { type: 'string', enum: ['runaway-paused', 'rate-limited', 'invalid-version'] },
    message: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
} as const;

/** What a filter is doing: counters from the workers, and notices to its owner. */
export function filterStatusRoutes(app: FastifyInstance, { filters, stats, notices }: ApiServices): void {
  app.get(
    '/filters/:id/stats',
    { config: { scope: 'read' }, schema: { summary: 'Evaluation and match counters of the active version', tags: ['filters'], security: tokenSecurity, params: filterIdParams, response: { 200: statsSchema, ...errorResponses } } },
    async (request) => {
      const filter = readableFilter(filters, principalOf(request), (request.params as { id: string }).id);
      const view = stats?.stats(filter.id);
      if (view) return { ...view, available: true };
      return { filterId: filter.id, available: false, version: filter.activeVersion, evaluated: 0, matched: 0, errors: 0, meanEvalMicros: null, lastError: null, reporters: 0, updatedAt: null };
    },
  );

  app.get(
    '/filters/:id/notices',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Recent notices to the owner (runaway pause, rate limiting, invalid version), newest first',
        tags: ['filters'],
        security: tokenSecurity,
        params: filterIdParams,
        response: { 200: { type: 'object', required: ['notices'], properties: { notices: { type: 'array', items: noticeSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const filter = ownedOrHidden(filters, principalOf(request), (request.params as { id: string }).id);
      return { notices: notices?.recent(filter.id) ?? [] };
    },
  );
}
