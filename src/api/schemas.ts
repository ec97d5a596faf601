import { scopes } from '../platform/scopes.js';
import { errorBodySchema } from './errors.js';

/**
 * JSON schemas shared by the routes. They validate requests, serialise responses (anything not
 * listed is dropped, so a secret cannot leak through a forgotten field) and make the OpenAPI document.
 */
export const nameSchema = { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$', description: '1-63 characters of a-z, 0-9, _ and -' } as const;
export const scopeListSchema = { type: 'array', items: { type: 'string', enum: [...scopes] }, minItems: 1, uniqueItems: true } as const;
const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: 'string', format: 'date-time', nullable: true } as const;

export const userSchema = {
  type: 'object',
  required: ['name', 'email', 'admin', 'createdAt', 'disabled'],
  properties: { name: { type: 'string' }, email: { type: 'string', nullable: true }, admin: { type: 'boolean' }, createdAt: timestamp, disabled: { type: 'boolean' } },
} as const;

/** A token as listed: never the secret, only its id (the SHA-256) and display prefix. */
export const tokenSchema = {
  type: 'object',
  required: ['id', 'owner', 'name', 'scopes', 'prefix', 'createdAt', 'createdBy', 'expiresAt', 'revokedAt'],
  properties: {
    id: { type: 'string', description: 'SHA-256 of the token (hex): its identifier, not a credential' },
    owner: { type: 'string' },
    name: { type: 'string' },
    scopes: { type: 'array', items: { type: 'string', enum: [...scopes] } },
    prefix: { type: 'string', description: 'the first characters of the token, to recognise it' },
    createdAt: timestamp,
    createdBy: { type: 'string' },
    expiresAt: nullableTimestamp,
    revokedAt: nullableTimestamp,
  },
} as const;

export const outputSchema = {
  type: 'object',
  required: ['format', 'lightcurve', 'cutouts'],
  properties: { format: { type: 'string', enum: ['json', 'avro'] }, lightcurve: { type: 'boolean' }, cutouts: { type: 'boolean' } },
} as const;

export const outputInputSchema = {
  type: 'object',
  additionalProperties: false,
  description: 'output options; omitted ones keep their previous (or default) values',
  properties: outputSchema.properties,
} as const;

export const filterSchema = {
  type: 'object',
  required: ['id', 'owner', 'name', 'description', 'public', 'state', 'activeVersion', 'versions', 'updatedAt', 'pausedReason', 'topic'],
  properties: {
    id: { type: 'string' },
    owner: { type: 'string' },
    name: { type: 'string' },
    description: { type: 'string' },
    public: { type: 'boolean' },
    state: { type: 'string', enum: ['draft', 'active', 'paused'] },
    activeVersion: { type: 'integer', nullable: true },
    versions: {
      type: 'array',
      items: { type: 'object', required: ['version', 'expression', 'output', 'createdAt'], properties: { version: { type: 'integer' }, expression: { type: 'string' }, output: outputSchema, createdAt: timestamp } },
    },
    updatedAt: timestamp,
    pausedReason: { type: 'string', nullable: true },
    topic: { type: 'string', description: "the owner's match topic" },
  },
} as const;

export const diagnosticSchema = {
  type: 'object',
  required: ['code', 'message', 'line', 'column', 'start', 'end', 'caret'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    line: { type: 'integer', description: '1-based' },
    column: { type: 'integer', description: '1-based' },
    start: { type: 'integer', description: 'character offset, inclusive' },
    end: { type: 'integer', description: 'character offset, exclusive' },
    caret: { type: 'string', description: 'the source line and carets under the span' },
    suggestion: { type: 'string' },
  },
} as const;

export const filterIdParams = { type: 'object', required: ['id'], properties: { id: nameSchema }, additionalProperties: false } as const;

/** Error answers every authenticated route can give. */
export const errorResponses = {
  '4xx': errorBodySchema,
  '5xx': errorBodySchema,
} as const;

/** Both ways of sending a token (OpenAPI security requirement: either one). */
export const tokenSecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }, { tokenHeader: [] }];
