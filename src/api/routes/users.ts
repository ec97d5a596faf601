import type { FastifyInstance } from 'fastify';
import type { ApiServices } from '../context.js';
import { errorResponses, nameSchema, tokenSecurity, userSchema } from '../schemas.js';

interface CreateUserBody {
  name: string;
  email?: string;
  admin?: boolean;
}

/** Administration of users: administrators only (the admin scope on an administrator's token). */
export function userRoutes(app: FastifyInstance, { platform }: ApiServices): void {
  app.post(
    '/users',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'Create a user (administrators)',
        tags: ['users'],
        security: tokenSecurity,
        body: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: nameSchema, email: { type: 'string', maxLength: 254 }, admin: { type: 'boolean', default: false } } },
        response: { 201: userSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as CreateUserBody;
      const user = await platform.users.create({ name: body.name, email: body.email ?? null, admin: body.admin ?? false });
      return reply.status(201).send(user);
    },
  );

  app.get(
    '/users',
    {
      config: { scope: 'admin' },
      schema: {
        summary: 'List users (administrators)',
        tags: ['users'],
        security: tokenSecurity,
        response: { 200: { type: 'object', required: ['users'], properties: { users: { type: 'array', items: userSchema } } }, ...errorResponses },
      },
    },
    async () => ({ users: platform.users.list() }),
  );
}
