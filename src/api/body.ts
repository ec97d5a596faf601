import type { FastifyRequest } from 'fastify';

/** For routes whose body is optional: no body at all validates as `{}` (all defaults). */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  request.body ??= {};
}
