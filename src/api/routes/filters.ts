import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../../errors/index.js';
import type { FilterOutput } from '../../filter/model.js';
import { assertExpression, filterView, ownFilter, readableFilter } from '../access.js';
import { principalOf } from '../auth.js';
import { emptyBodyAsObject } from '../body.js';
import type { ApiServices } from '../context.js';
import { errorResponses, filterIdParams, filterSchema, nameSchema, outputInputSchema, tokenSecurity } from '../schemas.js';

interface CreateFilterBody {
  id: string;
  name?: string;
  description?: string;
  public?: boolean;
  expression: string;
  output?: Partial<FilterOutput>;
}

const expressionSchema = { type: 'string', minLength: 1, maxLength: 20_000, description: 'a filter expression (docs/filter-language.md)' } as const;
const oneFilter = { 200: filterSchema, ...errorResponses } as const;

/** Filters: create, list, read, new version, activate, pause. */
export function filterRoutes(app: FastifyInstance, { filters }: ApiServices): void {
  app.post(
    '/filters',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Create a filter (version 1, as a draft)',
        tags: ['filters'],
        security: tokenSecurity,
        body: {
          type: 'object',
          required: ['id', 'expression'],
          additionalProperties: false,
          properties: { id: nameSchema, name: { type: 'string', maxLength: 200 }, description: { type: 'string', maxLength: 2_000 }, public: { type: 'boolean' }, expression: expressionSchema, output: outputInputSchema },
        },
        response: { 201: filterSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body as CreateFilterBody;
      // Ids are global keys: a taken id is reported, though not whose filter it is or what it does.
      if (filters.get(body.id)) throw new NightjarError('ALREADY_EXISTS', `filter id ${body.id} is taken; choose another`);
      assertExpression(body.expression);
      const record = await filters.create({ ...body, owner: principal.user });
      return reply.status(201).send(filterView(record));
    },
  );

  app.get(
    '/filters',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Your filters and everyone\'s public ones',
        tags: ['filters'],
        security: tokenSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { owned: { type: 'boolean', description: 'only your own' } } },
        response: { 200: { type: 'object', required: ['filters'], properties: { filters: { type: 'array', items: filterSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const list = (request.query as { owned?: boolean }).owned ? filters.ownedBy(principal.user) : filters.visibleTo(principal.user);
      return { filters: list.sort((a, b) => a.id.localeCompare(b.id)).map(filterView) };
    },
  );

  app.get(
    '/filters/:id',
    { config: { scope: 'read' }, schema: { summary: 'One filter with all its versions', tags: ['filters'], security: tokenSecurity, params: filterIdParams, response: oneFilter } },
    async (request) => filterView(readableFilter(filters, principalOf(request), (request.params as { id: string }).id)),
  );

  app.post(
    '/filters/:id/versions',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Add a version; an active filter keeps running its active version until activated again',
        tags: ['filters'],
        security: tokenSecurity,
        params: filterIdParams,
        body: { type: 'object', required: ['expression'], additionalProperties: false, properties: { expression: expressionSchema, output: outputInputSchema } },
        response: { 201: filterSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const filter = ownFilter(filters, principal, (request.params as { id: string }).id);
      const body = request.body as { expression: string; output?: Partial<FilterOutput> };
      assertExpression(body.expression);
      return reply.status(201).send(filterView(await filters.addVersion(filter.id, principal.user, body.expression, body.output)));
    },
  );

  app.post(
    '/filters/:id/activate',
    {
      config: { scope: 'write' },
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Activate a version (default: the newest); workers pick it up within seconds',
        tags: ['filters'],
        security: tokenSecurity,
        params: filterIdParams,
        body: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1 } } },
        response: oneFilter,
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const filter = ownFilter(filters, principal, (request.params as { id: string }).id);
      const version = (request.body as { version?: number } | undefined)?.version;
      return filterView(await filters.activate(filter.id, principal.user, version));
    },
  );

  app.post(
    '/filters/:id/pause',
    { config: { scope: 'write' }, schema: { summary: 'Pause a filter (no more matches until activated again)', tags: ['filters'], security: tokenSecurity, params: filterIdParams, response: oneFilter } },
    async (request) => {
      const principal = principalOf(request);
      const filter = ownFilter(filters, principal, (request.params as { id: string }).id);
      return filterView(await filters.pause(filter.id, principal.user));
    },
  );
}
