import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../../errors/index.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { errorResponses, tokenSchema, tokenSecurity, userSchema } from '../schemas.js';

export function meRoutes(app: FastifyInstance, { platform }: ApiServices): void {
  app.get(
    '/me',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Who the token belongs to, and the token itself (never its secret)',
        tags: ['users'],
        security: tokenSecurity,
        response: {
          200: { type: 'object', required: ['user', 'token', 'scopes'], properties: { user: userSchema, token: tokenSchema, scopes: { type: 'array', items: { type: 'string' }, description: 'effective scopes' } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const user = platform.users.get(principal.user);
      const token = platform.tokens.get(principal.tokenId);
      if (!user || !token) throw new NightjarError('AUTH_TOKEN_INVALID', 'the token or its user is gone');
      return { user, token, scopes: principal.scopes };
    },
  );
}
