import type { FastifyInstance, FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { NightjarError } from '../../errors/index.js';
import { checkQuerySql, QUERYABLE_TABLES } from '../../jobs/sql-guard.js';
import { isFinished, jobKinds, jobStates, type JobKind, type JobRecord } from '../../jobs/model.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { errorResponses, tokenSecurity } from '../schemas.js';

const mjd = { type: 'number', minimum: 0, maximum: 100_000, description: 'MJD' } as const;
const format = { type: 'string', enum: ['csv', 'jsonl'], description: 'results as CSV (with a header row) or JSON lines' } as const;

const paramsSchema = {
  type: 'object',
  description: 'backfill: filterId, version?, since, until, survey?, deliver?; query: sql, format?; export: ra?, dec?, radius? (arcsec), since?, until?, survey?, format?, cutouts?, lightcurve?',
  additionalProperties: false,
  properties: {
    filterId: { type: 'string', minLength: 1, maxLength: 63 },
    version: { type: 'integer', minimum: 1 },
    since: mjd,
    until: mjd,
    survey: { type: 'string', enum: ['ztf', 'lsst'] },
    deliver: { type: 'boolean', description: 'backfill: also publish matches to your topic (header nightjar-backfill-job)' },
    sql: { type: 'string', minLength: 1, maxLength: 20_000, description: 'query: one SELECT over alerts, alert_positions, objects, lightcurve_points, cutouts' },
    format,
    ra: { type: 'number', minimum: 0, maximum: 360 },
    dec: { type: 'number', minimum: -90, maximum: 90 },
    radius: { type: 'number', minimum: 0, maximum: 36_000, description: 'arcsec' },
    cutouts: { type: 'boolean' },
    lightcurve: { type: 'boolean' },
  },
} as const;

const jobSchema = {
  type: 'object',
  required: ['id', 'owner', 'kind', 'params', 'state', 'createdAt', 'updatedAt', 'attempts'],
  properties: {
    id: { type: 'string' },
    owner: { type: 'string' },
    kind: { type: 'string', enum: [...jobKinds] },
    params: { type: 'object', additionalProperties: true },
    state: { type: 'string', enum: [...jobStates] },
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    startedAt: { type: 'string', format: 'date-time', nullable: true },
    finishedAt: { type: 'string', format: 'date-time', nullable: true },
    expiresAt: { type: 'string', format: 'date-time', nullable: true },
    attempts: { type: 'integer' },
    cancelRequested: { type: 'boolean' },
    progress: { type: 'object', nullable: true, properties: { done: { type: 'integer' }, total: { type: 'integer', nullable: true } } },
    result: {
      type: 'object',
      nullable: true,
      properties: { format: { type: 'string' }, rows: { type: 'integer' }, bytes: { type: 'integer' }, evaluated: { type: 'integer' }, delivered: { type: 'integer' } },
    },
    error: { type: 'object', nullable: true, properties: { code: { type: 'string' }, message: { type: 'string' } } },
    links: { type: 'object', properties: { self: { type: 'string' }, results: { type: 'string' } } },
  },
} as const;

const idParams = { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^job-[0-9a-f-]{36}$' } } } as const;

function view(job: JobRecord): JobRecord & { links: { self: string; results: string } } {
  return { ...job, links: { self: `/api/v1/jobs/${job.id}`, results: `/api/v1/jobs/${job.id}/results` } };
}

function unavailable(): NightjarError {
  return new NightjarError('JOBS_UNAVAILABLE', 'jobs are not available in this process (the api role needs ClickHouse for job results)');
}

/** Jobs: submit, list, status, results, cancel/delete; each user sees only their own. */
export function jobRoutes(app: FastifyInstance, { jobs, filters }: ApiServices): void {
  const own = (user: string, id: string): JobRecord => {
    if (!jobs) throw unavailable();
    const job = jobs.store.get(id);
    if (!job || job.owner !== user) throw new NightjarError('NOT_FOUND', `no job ${id} of yours`);
    return job;
  };

  app.post(
    '/jobs',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Submit a job (backfill, query or export); it runs in the jobs role',
        tags: ['jobs'],
        security: tokenSecurity,
        body: { type: 'object', required: ['kind', 'params'], additionalProperties: false, properties: { kind: { type: 'string', enum: [...jobKinds] }, params: paramsSchema } },
        response: { 202: jobSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!jobs) throw unavailable();
      const user = principalOf(request).user;
      const { kind, params } = request.body as { kind: JobKind; params: Record<string, unknown> };
      if (kind === 'backfill') {
        const filter = filters.get(String(params.filterId));
        if (!filter || (filter.owner !== user && !filter.public)) throw new NightjarError('NOT_FOUND', `no filter ${String(params.filterId)}`);
        if (params.version !== undefined && !filter.versions.some((v) => v.version === params.version)) throw new NightjarError('NOT_FOUND', `filter ${filter.id} has no version ${String(params.version)}`);
        if (params.deliver === true && filter.owner !== user) throw new NightjarError('NOT_OWNER', 'only the owner of a filter may deliver its backfill to a topic');
      }
      // Most mistakes in a query's SQL are reported now; the jobs role checks again with the server's databases.
      if (kind === 'query' && typeof params.sql === 'string') checkQuerySql(params.sql, { database: jobs.results.database, tables: QUERYABLE_TABLES, otherDatabases: [] });
      const job = await jobs.store.submit(user, kind, params);
      return reply.status(202).header('location', `/api/v1/jobs/${job.id}`).send(view(job));
    },
  );

  app.get(
    '/jobs',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Your jobs, newest first',
        tags: ['jobs'],
        security: tokenSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { state: { type: 'string', enum: [...jobStates] } } },
        response: { 200: { type: 'object', required: ['jobs'], properties: { jobs: { type: 'array', items: jobSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      if (!jobs) throw unavailable();
      const { state } = request.query as { state?: string };
      return { jobs: jobs.store.ownedBy(principalOf(request).user).filter((j) => state === undefined || j.state === state).map(view) };
    },
  );

  app.get(
    '/jobs/:id',
    { config: { scope: 'read' }, schema: { summary: 'A job: state, progress, result summary or error', tags: ['jobs'], security: tokenSecurity, params: idParams, response: { 200: jobSchema, ...errorResponses } } },
    async (request) => view(own(principalOf(request).user, (request.params as { id: string }).id)),
  );

  app.get(
    '/jobs/:id/results',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The results of a succeeded job (CSV or JSON lines), streamed',
        tags: ['jobs'],
        security: tokenSecurity,
        params: idParams,
        response: { 200: { description: 'CSV with a header row, or one JSON object per line', content: { 'text/csv': { schema: { type: 'string' } }, 'application/x-ndjson': { schema: { type: 'string' } } } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const job = own(principalOf(request).user, (request.params as { id: string }).id);
      if (!isFinished(job)) throw new NightjarError('JOB_NOT_FINISHED', `job ${job.id} is ${job.state}; results come when it has succeeded`, { details: { state: job.state, progress: job.progress } });
      if (job.state !== 'succeeded' || !job.result) throw new NightjarError('JOB_NO_RESULTS', `job ${job.id} ${job.state}: ${job.error?.message ?? 'no results'}`, { details: { state: job.state, error: job.error } });
      return sendResults(reply, job, jobs!.results.read(job.id, job.attempts));
    },
  );

  app.delete(
    '/jobs/:id',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Cancel a queued or running job; delete a finished one and its results',
        tags: ['jobs'],
        security: tokenSecurity,
        params: idParams,
        response: { 200: jobSchema, 204: { type: 'null', description: 'deleted' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const job = own(principalOf(request).user, (request.params as { id: string }).id);
      if (!isFinished(job)) return view(await jobs!.store.cancel(job));
      await jobs!.results.delete(job.id);
      await jobs!.store.remove(job.id);
      return reply.status(204).send();
    },
  );
}

function sendResults(reply: FastifyReply, job: JobRecord, parts: AsyncGenerator<string>): FastifyReply {
  const csv = job.result!.format === 'csv';
  return reply
    .header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
    .header('content-disposition', `attachment; filename="${job.id}.${csv ? 'csv' : 'jsonl'}"`)
    .header('x-nightjar-rows', String(job.result!.rows))
    .send(Readable.from(parts));
}
