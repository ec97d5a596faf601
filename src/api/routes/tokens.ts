import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../../errors/index.js';
import type { Principal } from '../../platform/auth.js';
import { parseDuration } from '../../platform/duration.js';
import { grants, type Scope } from '../../platform/scopes.js';
import type { TokenRecord } from '../../platform/tokens.js';
import { principalOf } from '../auth.js';
import { emptyBodyAsObject } from '../body.js';
import type { ApiServices } from '../context.js';
import { errorResponses, nameSchema, scopeListSchema, tokenSchema, tokenSecurity } from '../schemas.js';

interface CreateTokenBody {
  user?: string;
  scopes?: Scope[];
  expiresIn?: string;
  name?: string;
}

const DEFAULT_SCOPES: Scope[] = ['read', 'write'];
const DEFAULT_LIFETIME = '90d';

/**
 * Who may ask for which token: anyone for themselves, with no scope their own token lacks (a read
 * token cannot mint a write token); administrators for anyone, with admin only for administrators.
 */
export function checkTokenRequest(principal: Principal, owner: { name: string; admin: boolean }, requested: readonly Scope[]): void {
  if (owner.name !== principal.user && !principal.admin) throw new NightjarError('AUTH_SCOPE', 'creating tokens for another user needs an administrator token', { details: { needed: 'admin' } });
  if (requested.includes('admin') && !owner.admin) throw new NightjarError('REQUEST_INVALID', `user ${owner.name} is not an administrator, so cannot hold the admin scope`);
  const beyond = requested.filter((s) => !grants(principal.scopes, s));
  if (beyond.length > 0) throw new NightjarError('AUTH_SCOPE', `the token cannot grant scopes it lacks: ${beyond.join(', ')}`, { details: { needed: beyond, granted: principal.scopes } });
}

/** Tokens of another user are invisible to non-administrators: 404, as if absent. */
function visibleToken(principal: Principal, token: TokenRecord | undefined, id: string): TokenRecord {
  if (!token || (token.owner !== principal.user && !principal.admin)) throw new NightjarError('NOT_FOUND', `no token ${id}`);
  return token;
}

export function tokenRoutes(app: FastifyInstance, { platform }: ApiServices): void {
  app.post(
    '/tokens',
    {
      config: { scope: 'write' },
      preValidation: emptyBodyAsObject,
      schema: {
        summary: 'Create a token; the secret is in this answer only',
        tags: ['tokens'],
        security: tokenSecurity,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            user: { ...nameSchema, description: 'owner of the new token (administrators only; default: yourself)' },
            scopes: { ...scopeListSchema, default: DEFAULT_SCOPES },
            expiresIn: { type: 'string', pattern: '^(\\d{1,6}[mhdw]|never)$', default: DEFAULT_LIFETIME, description: 'lifetime such as 30d, 12h, 2w, or never' },
            name: { type: 'string', maxLength: 100, description: 'a label, e.g. the machine it is for' },
          },
        },
        response: { 201: { type: 'object', required: ['token', 'record'], properties: { token: { type: 'string', description: 'the secret: store it now, it is not shown again' }, record: tokenSchema } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = (request.body ?? {}) as CreateTokenBody;
      const ownerName = body.user ?? principal.user;
      const owner = platform.users.get(ownerName);
      if (!owner) throw new NightjarError('NOT_FOUND', `no user ${ownerName}`);
      const scopes = body.scopes ?? DEFAULT_SCOPES;
      checkTokenRequest(principal, owner, scopes);
      const created = await platform.tokens.issue({ owner: owner.name, scopes, lifetimeMs: parseDuration(body.expiresIn ?? DEFAULT_LIFETIME), name: body.name, createdBy: principal.user });
      return reply.status(201).send(created);
    },
  );

  app.get(
    '/tokens',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'List your tokens (administrators: any user\'s with ?user=)',
        tags: ['tokens'],
        security: tokenSecurity,
        querystring: { type: 'object', additionalProperties: false, properties: { user: nameSchema } },
        response: { 200: { type: 'object', required: ['tokens'], properties: { tokens: { type: 'array', items: tokenSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = (request.query as { user?: string }).user ?? principal.user;
      if (user !== principal.user && !principal.admin) throw new NightjarError('AUTH_SCOPE', 'listing another user\'s tokens needs an administrator token', { details: { needed: 'admin' } });
      return { tokens: platform.tokens.ownedBy(user) };
    },
  );

  app.delete(
    '/tokens/:id',
    {
      config: { scope: 'write' },
      schema: {
        summary: 'Revoke a token (yours; administrators: any); every process refuses it within seconds',
        tags: ['tokens'],
        security: tokenSecurity,
        params: { type: 'object', required: ['id'], additionalProperties: false, properties: { id: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        response: { 200: tokenSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { id } = request.params as { id: string };
      visibleToken(principalOf(request), platform.tokens.get(id), id);
      return platform.tokens.revoke(id);
    },
  );
}
