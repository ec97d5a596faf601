import type { FastifyInstance } from 'fastify';
import '../../alert/fields.js';
import '../../annotate/fields.js';
import { allFields, concretePaths, type FieldDef } from '../../alert/catalogue.js';
import { allFunctions } from '../../filter/lang/index.js';
import { errorResponses, tokenSecurity } from '../schemas.js';

const fieldSchema = {
  type: 'object',
  required: ['path', 'type', 'description', 'surveys', 'group'],
  properties: {
    path: { type: 'string', description: 'dotted path; a `{param}` segment is a template (e.g. lc.{band}.count)' },
    type: { type: 'string', enum: ['number', 'integer', 'string', 'boolean', 'id', 'array', 'object'] },
    unit: { type: 'string' },
    description: { type: 'string' },
    surveys: { type: 'array', items: { type: 'string' } },
    group: { type: 'string' },
    enum: { type: 'array', items: { type: 'string' } },
    params: { type: 'object', additionalProperties: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] }, description: "allowed values of each template parameter; '*' allows any name" },
  },
} as const;

const functionSchema = {
  type: 'object',
  required: ['name', 'signature', 'description', 'returns'],
  properties: { name: { type: 'string' }, signature: { type: 'string' }, description: { type: 'string' }, returns: { type: 'string' } },
} as const;

function fieldView(def: FieldDef): Record<string, unknown> {
  const { path, type, unit, description, surveys, group, enum: values, params } = def;
  return { path, type, unit, description, surveys, group, enum: values, params };
}

/** Computed once: the catalogue is fixed once the modules that register fields are loaded. */
let catalogue: { fields: Record<string, unknown>[]; paths: string[]; functions: Record<string, unknown>[] } | undefined;

/** The field catalogue and filter functions, for autocompletion in the dashboard and in clients. */
export function fieldRoutes(app: FastifyInstance): void {
  app.get(
    '/fields',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'The field catalogue (every field a filter can name) and the filter functions',
        tags: ['filters'],
        security: tokenSecurity,
        response: {
          200: {
            type: 'object',
            required: ['fields', 'paths', 'functions'],
            properties: {
              fields: { type: 'array', items: fieldSchema },
              paths: { type: 'array', items: { type: 'string' }, description: 'concrete paths: templates expanded over their closed parameter sets' },
              functions: { type: 'array', items: functionSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (_request, reply) => {
      catalogue ??= {
        fields: allFields().map(fieldView),
        paths: concretePaths(),
        functions: allFunctions().map(({ name, signature, description, returns }) => ({ name, signature, description, returns })),
      };
      return reply.header('cache-control', 'private, max-age=300').send(catalogue);
    },
  );
}
