import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errorBodySchema } from '../api/errors.js';
import { NightjarError } from '../errors/index.js';
import { authenticate, tokenFromHeaders, type CredentialLookup } from '../platform/auth.js';
import type { LiveHub } from './hub.js';
import { MAX_CLIENT_FRAME, SUBPROTOCOL, TOKEN_SUBPROTOCOL_PREFIX } from './protocol.js';

/**
 * The token of a live-feed upgrade: `Authorization: Bearer` (or X-Nightjar-Token), else the
 * `nightjar.token.<token>` subprotocol browsers can send, else `?token=`.
 */
export function liveToken(request: Pick<FastifyRequest, 'headers' | 'query'>): string | undefined {
  const fromHeader = tokenFromHeaders(request.headers);
  if (fromHeader) return fromHeader;
  const offered = request.headers['sec-websocket-protocol'];
  const protocols = (Array.isArray(offered) ? offered.join(',') : (offered ?? '')).split(',').map((p) => p.trim());
  const fromProtocol = protocols.find((p) => p.startsWith(TOKEN_SUBPROTOCOL_PREFIX))?.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
  if (fromProtocol) return fromProtocol;
  const query = request.query as { token?: string } | undefined;
  return query?.token || undefined;
}

/** GET /live: the websocket live feeds (docs/live.md); a plain GET answers 426 after authentication. */
export async function liveRoutes(app: FastifyInstance, hub: LiveHub, credentials: CredentialLookup, clock: () => Date): Promise<void> {
  await app.register(websocket, {
    options: {
      maxPayload: MAX_CLIENT_FRAME,
      // Frames are built once and shared by every client (frame.ts): never compressed per connection.
      perMessageDeflate: false,
      // The token subprotocol is never echoed: the server answers with nightjar.v1 only.
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    },
    preClose: async () => {
      await hub.stop();
    },
  });
  app.route({
    method: 'GET',
    url: '/live',
    schema: {
      summary: 'Live feeds over a websocket: your matches, public filters, or (admin) the enriched stream',
      description: 'Upgrade to a websocket (docs/live.md). Token as Authorization: Bearer, as subprotocol nightjar.token.<token> next to nightjar.v1, or as ?token=. Without the Upgrade handshake the answer is 426.',
      tags: ['live'],
      security: [{ bearer: [] }, { tokenHeader: [] }],
      querystring: { type: 'object', properties: { token: { type: 'string', description: 'the API token, for clients that can set neither a header nor a subprotocol' } } },
      response: { 400: errorBodySchema, 403: errorBodySchema, 426: errorBodySchema, 429: errorBodySchema, '5xx': errorBodySchema },
    },
    preValidation: async (request) => {
      request.principal = authenticate(liveToken(request), credentials, clock());
    },
    handler: async () => {
      throw new NightjarError('UPGRADE_REQUIRED', 'GET /api/v1/live is a websocket endpoint: connect with a websocket client (docs/live.md)');
    },
    wsHandler: (socket, request) => {
      hub.accept(socket, request.principal!);
    },
  });
}
