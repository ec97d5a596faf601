import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../../errors/index.js';
import type { ApiServices } from '../context.js';
import { errorResponses, tokenSecurity } from '../schemas.js';

const count = { type: 'integer' } as const;
const nullableRate = { type: 'number', nullable: true } as const;

const groupSchema = {
  type: 'object',
  required: ['role', 'group', 'state', 'members', 'lag', 'partitions'],
  properties: {
    role: { type: 'string', enum: ['worker', 'sink', 'trainer'] },
    group: { type: 'string' },
    state: { type: 'string', description: "Kafka's consumer group state; Dead or Empty when no member runs" },
    members: { type: 'array', items: { type: 'object', required: ['clientId', 'host'], properties: { clientId: { type: 'string' }, host: { type: 'string' } } } },
    lag: { type: 'integer', nullable: true, description: 'messages between committed offsets and the topics\' ends (transaction markers included); null before the first commit' },
    partitions: { type: 'array', items: { type: 'object', required: ['topic', 'partition', 'committed', 'end', 'lag'], properties: { topic: { type: 'string' }, partition: count, committed: count, end: count, lag: count } } },
  },
} as const;

export const statusSchema = {
  type: 'object',
  required: ['at', 'ingest', 'groups', 'deadLetters', 'dependencies', 'thisProcess'],
  properties: {
    at: { type: 'string', format: 'date-time' },
    ingest: {
      type: 'object',
      required: ['topics', 'produced', 'producedPerSecond', 'consumedPerSecond', 'windowSeconds'],
      properties: {
        topics: { type: 'array', items: { type: 'string' } },
        produced: { ...count, description: 'sum of the input topics\' end offsets' },
        producedPerSecond: { ...nullableRate, description: 'survey messages arriving per second; null until a second request a second or more later' },
        consumedPerSecond: { ...nullableRate, description: 'messages the worker group committed per second over the same window' },
        windowSeconds: { type: 'integer', nullable: true },
      },
    },
    groups: { type: 'array', items: groupSchema },
    deadLetters: {
      type: 'object',
      required: ['source', 'total', 'byReason', 'error'],
      properties: {
        source: { type: 'string', enum: ['archive'] },
        total: { type: 'integer', nullable: true },
        byReason: { type: 'array', items: { type: 'object', required: ['code', 'count'], properties: { code: { type: 'string' }, count } } },
        error: { type: 'string', nullable: true, description: 'why the archive could not be asked' },
      },
    },
    dependencies: { type: 'array', items: { type: 'object', required: ['name', 'ok', 'detail'], properties: { name: { type: 'string' }, ok: { type: 'boolean' }, detail: { type: 'string' } } } },
    thisProcess: {
      type: 'object',
      required: ['uptimeSeconds', 'counters'],
      properties: {
        uptimeSeconds: count,
        counters: { type: 'array', items: { type: 'object', required: ['name', 'labels', 'value'], properties: { name: { type: 'string' }, labels: { type: 'object', additionalProperties: true }, value: { type: 'number' } } } },
      },
    },
  },
} as const;

/** The platform's state for the dashboard's status page: ingest, consumer groups and lag, dead letters, dependencies. */
export function statusRoutes(app: FastifyInstance, { status, operations }: ApiServices): void {
  app.get(
    '/status',
    { config: { scope: 'read' }, schema: { summary: 'Ingest rate, consumer groups (workers) and their lag, dead letters by reason, Kafka and ClickHouse', tags: ['operations'], security: tokenSecurity, response: { 200: statusSchema, ...errorResponses } } },
    async () => {
      if (!status || !operations) throw new NightjarError('KAFKA_UNAVAILABLE', 'this server has no status source');
      try {
        return await status.report(operations.registry, operations.readiness);
      } catch (err) {
        if (err instanceof NightjarError) throw err;
        throw new NightjarError('KAFKA_UNAVAILABLE', `Kafka did not answer the status queries: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    },
  );
}
