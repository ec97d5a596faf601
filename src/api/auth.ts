import type { FastifyInstance, FastifyRequest } from 'fastify';
import { NightjarError } from '../errors/index.js';
import { authenticate, requireScope, tokenFromHeaders, type CredentialLookup, type Principal } from '../platform/auth.js';
import type { Scope } from '../platform/scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The scope a route needs; routes without one are public (health, docs). */
    scope?: Scope;
  }
}

/**
 * Token authentication for every route of the scope that declares `config.scope`. It runs in
 * preParsing: after the rate limiter (onRequest), before the body is read or validated, so a
 * caller without a valid token learns nothing about the route's schema and costs no parsing.
 */
export function registerAuth(app: FastifyInstance, credentials: CredentialLookup, clock: () => Date): void {
  app.decorateRequest('principal', null);
  app.addHook('preParsing', async (request, _reply, payload) => {
    const scope = request.routeOptions.config.scope;
    if (!scope) return payload;
    const principal = authenticate(tokenFromHeaders(request.headers), credentials, clock());
    requireScope(principal, scope);
    request.principal = principal;
    return payload;
  });
}

/** The authenticated caller of a route that declares a scope. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new NightjarError('INTERNAL', `route ${request.routeOptions.url} has no scope, so no caller`);
  return request.principal;
}
