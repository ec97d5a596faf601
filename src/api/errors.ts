import { NightjarError, asNightjarError } from '../errors/index.js';

/** The one error body every route answers with: `{ error: { code, message, details } }`. */
export const errorBodySchema = {
  type: 'object',
  description: 'An error from the catalogue (docs/api.md lists the codes)',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'stable code from the error catalogue, e.g. AUTH_TOKEN_INVALID' },
        message: { type: 'string' },
        details: { type: 'object', additionalProperties: true },
      },
    },
  },
} as const;

/** fastify's own errors (schema validation, body limit, content type) mapped onto the catalogue. */
export function toNightjarError(err: unknown): NightjarError {
  if (err instanceof NightjarError) return err;
  const e = err as { statusCode?: number; validation?: unknown; validationContext?: string; code?: string };
  if (e.validation) return new NightjarError('REQUEST_INVALID', (err as Error).message, { details: { in: e.validationContext ?? 'body' } });
  if (e.statusCode === 413) return new NightjarError('REQUEST_TOO_LARGE', (err as Error).message);
  if (e.statusCode === 429) return new NightjarError('RATE_LIMITED', (err as Error).message);
  if (e.statusCode === 404) return new NightjarError('NOT_FOUND', (err as Error).message);
  if (e.statusCode && e.statusCode < 500) return new NightjarError('REQUEST_INVALID', (err as Error).message, { details: e.code ? { fastifyCode: e.code } : {} });
  return asNightjarError(err);
}
