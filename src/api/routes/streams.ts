import type { FastifyInstance } from 'fastify';
import { activeVersionOf, userTopic } from '../../filter/model.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { consumerSettings } from '../consumer-settings.js';
import { errorResponses, outputSchema, tokenSecurity } from '../schemas.js';

const streamSchema = {
  type: 'object',
  required: ['user', 'topic', 'brokers', 'groupId', 'filters', 'consumers'],
  properties: {
    user: { type: 'string' },
    topic: { type: 'string', description: 'your match topic: key = objectId, value = the match (docs/outputs.md)' },
    brokers: { type: 'array', items: { type: 'string' } },
    groupId: { type: 'string', description: 'a suggested consumer group' },
    filters: {
      type: 'array',
      items: { type: 'object', required: ['id', 'state', 'activeVersion', 'output'], properties: { id: { type: 'string' }, state: { type: 'string' }, activeVersion: { type: 'integer', nullable: true }, output: { ...outputSchema, nullable: true } } },
    },
    consumers: {
      type: 'object',
      required: ['kcat', 'python', 'kafkajs', 'java'],
      description: 'ready-to-paste consumer settings, all read_committed',
      properties: { kcat: { type: 'string' }, python: { type: 'string' }, kafkajs: { type: 'string' }, java: { type: 'string' } },
    },
  },
} as const;

/** The caller's match stream: where it is, what feeds it, and how to read it. */
export function streamRoutes(app: FastifyInstance, { filters, brokers }: ApiServices): void {
  app.get(
    '/streams',
    { config: { scope: 'read' }, schema: { summary: 'Your match topic, the filters that feed it, and consumer settings', tags: ['streams'], security: tokenSecurity, response: { 200: streamSchema, ...errorResponses } } },
    async (request) => {
      const user = principalOf(request).user;
      const own = filters.ownedBy(user).sort((a, b) => a.id.localeCompare(b.id));
      const topic = userTopic(user);
      const groupId = `${user}-matches`;
      const outputs = own.map((f) => ({ id: f.id, state: f.state, activeVersion: f.activeVersion, output: activeVersionOf(f)?.output ?? f.versions.at(-1)?.output ?? null }));
      const avro = outputs.some((f) => f.state === 'active' && f.output?.format === 'avro');
      return { user, topic, brokers, groupId, filters: outputs, consumers: consumerSettings({ topic, brokers, groupId, avro }) };
    },
  );
}
