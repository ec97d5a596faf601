import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../../errors/index.js';
import { compileFilter, validateFilter } from '../../filter/lang/index.js';
import { runFilterTest } from '../alert-tester.js';
import { assertExpression } from '../access.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { diagnosticSchema, errorResponses, tokenSecurity } from '../schemas.js';

/** Messages one test request may carry (each up to a Rubin alert with history, ~0.3 MB). */
export const MAX_TEST_MESSAGES = 100;

/** Recursive, so registered once as a shared schema and referenced by $id. */
export const explainNodeSchema = {
  $id: 'ExplainNode',
  type: 'object',
  description: 'a node of the filter with its value on one alert; booleans may be "unknown", other values "missing"',
  required: ['text', 'value', 'children'],
  properties: {
    text: { type: 'string' },
    value: { anyOf: [{ type: 'boolean' }, { type: 'number' }, { type: 'string' }] },
    children: { type: 'array', items: { $ref: 'ExplainNode#' } },
  },
} as const;

const testResultSchema = {
  type: 'object',
  required: ['evaluated', 'matched', 'failures'],
  properties: {
    evaluated: { type: 'integer', description: 'alerts decoded and evaluated' },
    matched: { type: 'array', items: { type: 'object', required: ['input', 'alertId', 'objectId', 'survey'], properties: { input: { type: 'integer', description: 'index of the message in the request' }, alertId: { type: 'string' }, objectId: { type: 'string' }, survey: { type: 'string' } } } },
    failures: { type: 'array', items: { type: 'object', required: ['input', 'code', 'message'], properties: { input: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } } } },
    explain: { type: 'array', items: { type: 'object', required: ['input', 'alertId', 'matches', 'tree'], properties: { input: { type: 'integer' }, alertId: { type: 'string' }, matches: { type: 'boolean' }, tree: { $ref: 'ExplainNode#' } } } },
  },
} as const;

/** Validate and test expressions without storing anything. */
export function filterToolRoutes(app: FastifyInstance, { tester }: ApiServices): void {
  app.post(
    '/filters/validate',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Check an expression: every error with its position, caret and suggestion',
        tags: ['filters'],
        security: tokenSecurity,
        body: { type: 'object', required: ['expression'], additionalProperties: false, properties: { expression: { type: 'string', maxLength: 100_000 } } },
        response: {
          200: {
            type: 'object',
            required: ['ok', 'errors', 'warnings', 'fields', 'surveys'],
            properties: { ok: { type: 'boolean' }, errors: { type: 'array', items: diagnosticSchema }, warnings: { type: 'array', items: diagnosticSchema }, fields: { type: 'array', items: { type: 'string' } }, surveys: { type: 'array', items: { type: 'string' } } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { ok, errors, warnings, fields, surveys } = validateFilter((request.body as { expression: string }).expression);
      return { ok, errors, warnings, fields, surveys };
    },
  );

  app.post(
    '/filters/test',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Run an expression over alerts sent as base64 survey messages (ZTF Avro containers, Rubin Confluent-framed Avro)',
        tags: ['filters'],
        security: tokenSecurity,
        body: {
          type: 'object',
          required: ['expression', 'messages'],
          additionalProperties: false,
          properties: {
            expression: { type: 'string', minLength: 1, maxLength: 20_000 },
            messages: { type: 'array', minItems: 1, maxItems: MAX_TEST_MESSAGES, items: { type: 'string', contentEncoding: 'base64', pattern: '^[A-Za-z0-9+/]*={0,2}$' } },
            explain: { type: 'boolean', default: false, description: 'add every node\'s value for each alert' },
          },
        },
        response: { 200: testResultSchema, ...errorResponses },
      },
    },
    async (request) => {
      const body = request.body as { expression: string; messages: string[]; explain?: boolean };
      assertExpression(body.expression);
      const filter = compileFilter(body.expression);
      const bytes = body.messages.map((m) => Buffer.from(m, 'base64'));
      if (bytes.some((b) => b.length === 0)) throw new NightjarError('REQUEST_INVALID', 'a message is empty');
      const inputs = await tester.prepare(bytes);
      return runFilterTest(filter, inputs, { explain: body.explain ?? false, owner: principalOf(request).user });
    },
  );
}
