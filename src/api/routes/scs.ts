import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isNightjarError } from '../../errors/index.js';
import { readArchive } from '../archive-access.js';
import type { ApiServices } from '../context.js';
import { errorResponses, tokenSecurity } from '../schemas.js';
import { scsErrorVotable, scsVotable, VOTABLE_CONTENT_TYPE } from '../votable.js';

/** Largest SR of GET /scs, in degrees. */
export const MAX_SCS_RADIUS_DEG = 1;
/** Most rows one answer holds; more make QUERY_STATUS OVERFLOW. */
export const MAX_SCS_ROWS = 5_000;

const SCS_PARAMETERS = ['RA', 'DEC', 'SR', 'VERB'] as const;
const xml = { type: 'string', description: 'a VOTable 1.3 document' } as const;

/**
 * GET /scs: the IVOA Simple Cone Search 1.03 over the archive, for pyvo, TOPCAT and other VO
 * clients. Parameters RA, DEC, SR in decimal degrees (names in any case, as DALI allows); the
 * answer is always a VOTable: results (nearest first, at most 5,000 rows, QUERY_STATUS OVERFLOW
 * when cut), or the SCS error document for bad parameters (HTTP 200, as SCS expects) and for an
 * unavailable archive (HTTP 503). A request without a token is challenged for HTTP Basic
 * authentication (401, see basicAuthForVoClients); a bad token answers the API's JSON 403.
 */
export function scsRoutes(app: FastifyInstance, services: ApiServices): void {
  app.get(
    '/scs',
    {
      config: { scope: 'read' },
      onRequest: basicAuthForVoClients,
      // Bad parameters must come back as an SCS error VOTable, not the API's JSON error.
      attachValidation: true,
      preValidation: upperCaseParameters,
      schema: {
        summary: 'IVOA Simple Cone Search (SCS 1.03): archived alerts within SR degrees, as a VOTable',
        tags: ['archive'],
        security: tokenSecurity,
        querystring: {
          type: 'object',
          required: ['RA', 'DEC', 'SR'],
          properties: {
            RA: { type: 'number', minimum: 0, maximum: 360, description: 'right ascension, decimal degrees (ICRS)' },
            DEC: { type: 'number', minimum: -90, maximum: 90, description: 'declination, decimal degrees (ICRS)' },
            SR: { type: 'number', minimum: 0, maximum: MAX_SCS_RADIUS_DEG, description: `search radius, decimal degrees, at most ${MAX_SCS_RADIUS_DEG}; 0 returns the columns and no rows` },
            VERB: { type: 'integer', minimum: 1, maximum: 3, description: 'verbosity; accepted, every column is always returned' },
          },
        },
        response: {
          200: { description: 'the results, or the SCS error document (INFO QUERY_STATUS = ERROR) for bad parameters', content: { 'text/xml': { schema: xml } } },
          401: { description: 'no token: a challenge for HTTP Basic authentication (any user name, the token as password), as VO clients such as TOPCAT expect', content: { 'text/xml': { schema: xml } } },
          503: { description: 'the archive is unavailable (SCS error document)', content: { 'text/xml': { schema: xml } } },
          '4xx': errorResponses['4xx'],
          '5xx': errorResponses['5xx'],
        },
      },
    },
    async (request, reply) => {
      if (request.validationError) return sendVotable(reply, 200, scsErrorVotable(`bad parameters: ${request.validationError.message}`));
      const { RA, DEC, SR } = request.query as { RA: number; DEC: number; SR: number };
      const ra = RA === 360 ? 0 : RA;
      if (SR === 0) return sendVotable(reply, 200, scsVotable({ ra: RA, dec: DEC, sr: SR }, [], false));
      try {
        const hits = await readArchive(services, (archive) => archive.coneSearch(ra, DEC, SR, MAX_SCS_ROWS + 1));
        const overflow = hits.length > MAX_SCS_ROWS;
        return sendVotable(reply, 200, scsVotable({ ra: RA, dec: DEC, sr: SR }, overflow ? hits.slice(0, MAX_SCS_ROWS) : hits, overflow));
      } catch (err) {
        if (isNightjarError(err, 'REQUEST_INVALID')) return sendVotable(reply, 200, scsErrorVotable(err.message));
        if (isNightjarError(err) && err.status === 503) return sendVotable(reply, 503, scsErrorVotable(`${err.code}: ${err.message}`));
        throw err;
      }
    },
  );
}

/**
 * VO clients cannot be told to send a bearer header, but TOPCAT (and any HTTP client) answers a
 * 401 challenge for HTTP Basic authentication by asking its user for a name and password. So on
 * this route alone a request without any token gets that challenge (with an SCS error document),
 * and Basic credentials carry the token as the password (the user name is ignored); the token
 * is then checked like any other.
 */
async function basicAuthForVoClients(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string' && /^basic\s/i.test(authorization)) {
    const credentials = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    request.headers.authorization = `Bearer ${credentials.slice(credentials.indexOf(':') + 1)}`;
    return;
  }
  if (authorization === undefined && request.headers['x-nightjar-token'] === undefined) {
    await reply
      .status(401)
      .header('www-authenticate', 'Basic realm="Nightjar API token", charset="UTF-8"')
      .header('content-type', VOTABLE_CONTENT_TYPE)
      .send(scsErrorVotable('AUTH_TOKEN_MISSING: send the API token as "Authorization: Bearer <token>", or as the password of HTTP Basic authentication (any user name)'));
  }
}

/** RA, ra and Ra are the same parameter; the first value of a repeated one counts. */
async function upperCaseParameters(request: FastifyRequest): Promise<void> {
  const query = request.query as Record<string, unknown>;
  for (const key of Object.keys(query)) {
    const upper = key.toUpperCase();
    if (upper === key || !(SCS_PARAMETERS as readonly string[]).includes(upper)) continue;
    if (!(upper in query)) query[upper] = query[key];
    delete query[key];
  }
  for (const name of SCS_PARAMETERS) if (Array.isArray(query[name])) query[name] = (query[name] as unknown[])[0];
}

function sendVotable(reply: FastifyReply, status: number, body: string) {
  return reply.status(status).header('content-type', VOTABLE_CONTENT_TYPE).send(body);
}
