import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../../errors/index.js';
import { compileFilter } from '../../filter/lang/index.js';
import { assertExpression } from '../access.js';
import { runFilterTest } from '../alert-tester.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { errorResponses, tokenSecurity } from '../schemas.js';
import { MAX_TEST_MESSAGES } from './filter-tools.js';

const resultSchema = {
  type: 'object',
  required: ['evaluated', 'matched', 'failures', 'messages'],
  properties: {
    evaluated: { type: 'integer', description: 'alerts decoded and evaluated' },
    matched: { type: 'array', items: { type: 'object', required: ['input', 'alertId', 'objectId', 'survey'], properties: { input: { type: 'integer', description: 'index into messages' }, alertId: { type: 'string' }, objectId: { type: 'string' }, survey: { type: 'string' } } } },
    failures: { type: 'array', items: { type: 'object', required: ['input', 'code', 'message'], properties: { input: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } } } },
    explain: { type: 'array', items: { type: 'object', required: ['input', 'alertId', 'matches', 'tree'], properties: { input: { type: 'integer' }, alertId: { type: 'string' }, matches: { type: 'boolean' }, tree: { $ref: 'ExplainNode#' } } } },
    messages: {
      type: 'array',
      description: 'the survey messages read, newest first: where each came from',
      items: { type: 'object', required: ['topic', 'partition', 'offset', 'timestamp'], properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'string' }, timestamp: { type: 'string', format: 'date-time', nullable: true } } },
    },
  },
} as const;

/** Preview an unsaved expression on the newest survey messages of the input topics. */
export function filterPreviewRoutes(app: FastifyInstance, { tester, recent }: ApiServices): void {
  app.post(
    '/filters/test/recent',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Run an expression over the newest survey messages on the input topics (as POST /filters/test, without sending them)',
        tags: ['filters'],
        security: tokenSecurity,
        body: {
          type: 'object',
          required: ['expression'],
          additionalProperties: false,
          properties: {
            expression: { type: 'string', minLength: 1, maxLength: 20_000 },
            count: { type: 'integer', minimum: 1, maximum: MAX_TEST_MESSAGES, default: 50, description: 'how many of the newest messages' },
            explain: { type: 'boolean', default: false },
          },
        },
        response: { 200: resultSchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as { expression: string; count?: number; explain?: boolean };
      assertExpression(body.expression);
      if (!recent) throw new NightjarError('KAFKA_UNAVAILABLE', 'this server cannot read the input topics');
      const filter = compileFilter(body.expression);
      const messages = await recent.newest(body.count ?? 50);
      const inputs = await tester.prepare(messages.map((m) => m.value));
      const result = runFilterTest(filter, inputs, { explain: body.explain ?? false, owner: principalOf(request).user });
      return { ...result, messages: messages.map(({ topic, partition, offset, timestamp }) => ({ topic, partition, offset, timestamp })) };
    },
  );
}
