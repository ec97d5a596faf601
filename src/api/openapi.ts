import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI 3 document, built from the routes' own JSON schemas (so it cannot drift from what
 * the server validates), at /openapi.json, and Swagger UI at /docs with its assets served by this
 * process (no CDN: it works offline).
 */
export function registerOpenApi(app: FastifyInstance, version: string): void {
  void app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Nightjar API', version, description: 'Users, tokens, filters and streams of the Nightjar alert broker. Errors: `{ "error": { "code", "message", "details" } }` (docs/api.md).' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer nj_…' },
          tokenHeader: { type: 'apiKey', in: 'header', name: 'X-Nightjar-Token' },
        },
      },
      tags: [
        { name: 'users', description: 'who you are; user administration' },
        { name: 'tokens', description: 'API tokens' },
        { name: 'filters', description: 'filter expressions, their versions and their state' },
        { name: 'streams', description: 'your match topic' },
        { name: 'archive', description: 'archived alerts, objects and light curves, cone search (JSON and IVOA SCS VOTable), cutouts as FITS and PNG' },
        { name: 'operations', description: 'health, readiness, metrics' },
      ],
    },
    // Shared schemas keep their $id as their name under components.schemas.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  void app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true, uiConfig: { deepLinking: true } });
  void app.register(async (scope) => {
    scope.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  });
}
