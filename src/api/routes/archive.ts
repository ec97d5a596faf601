import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { surveys, type Survey } from '../../alert/types.js';
import { cutoutKinds, MAX_RESULTS, type ConeSearchHit, type CutoutKind } from '../../clickhouse/archive-queries.js';
import { NightjarError } from '../../errors/index.js';
import { readArchive } from '../archive-access.js';
import type { ApiServices } from '../context.js';
import { gunzipIfNeeded, readFitsImage } from '../cutouts/fits-image.js';
import { renderPng, stretches, type Stretch } from '../cutouts/render.js';
import { lightcurveCsv } from '../lightcurve-csv.js';
import { errorResponses, tokenSecurity } from '../schemas.js';

/** Largest radius of GET /cone, in arcseconds (1 degree). */
export const MAX_CONE_RADIUS_ARCSEC = 3600;

const idSchema = { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.:-]+$' } as const;
const surveySchema = { type: 'string', enum: [...surveys], description: 'only this survey (ids are unique per survey)' } as const;
const nullableNumber = { type: 'number', nullable: true } as const;
const nullableString = { type: 'string', nullable: true } as const;

const alertSchema = {
  type: 'object',
  description: 'the normalised alert as archived: catalogue fields (docs/fields.md), annotation namespaces (xmatch, lc, anomaly, watch, ...), the survey record under `ztf` or `lsst`; 64-bit ids are decimal strings',
  required: ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'synthetic', 'ingestedAt'],
  properties: {
    survey: { type: 'string', enum: [...surveys] },
    alertId: { type: 'string' },
    objectId: { type: 'string' },
    mjd: { type: 'number' },
    ra: { type: 'number' },
    dec: { type: 'number' },
    synthetic: { type: 'boolean' },
    ingestedAt: { type: 'string', format: 'date-time' },
  },
  additionalProperties: true,
} as const;

const pointSchema = {
  type: 'object',
  required: ['mjd', 'band', 'kind', 'mag', 'magErr', 'flux', 'fluxErr', 'limitMag'],
  properties: {
    mjd: { type: 'number' },
    band: nullableString,
    kind: { type: 'string', enum: ['detection', 'upperlimit', 'forced'] },
    mag: nullableNumber,
    magErr: nullableNumber,
    flux: { ...nullableNumber, description: 'nJy for Rubin' },
    fluxErr: nullableNumber,
    limitMag: nullableNumber,
  },
} as const;

const objectSchema = {
  type: 'object',
  required: ['survey', 'objectId', 'ra', 'dec', 'lastMjd', 'lastAlertId', 'band', 'mag', 'annotations', 'firstDetectionMjd', 'detections', 'lightcurve'],
  properties: {
    survey: { type: 'string', enum: [...surveys] },
    objectId: { type: 'string' },
    ra: { type: 'number', description: 'position of the latest alert (deg)' },
    dec: { type: 'number' },
    lastMjd: { type: 'number' },
    lastAlertId: { type: 'string' },
    band: nullableString,
    mag: nullableNumber,
    annotations: { type: 'object', additionalProperties: true, description: 'annotation namespaces of the latest alert' },
    firstDetectionMjd: nullableNumber,
    detections: { type: 'integer' },
    lightcurve: { type: 'array', items: pointSchema, description: 'every archived point once (detections, upper limits, forced photometry), by mjd' },
  },
} as const;

const hitSchema = {
  type: 'object',
  required: ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'band', 'mag', 'separation'],
  properties: {
    survey: { type: 'string', enum: [...surveys] },
    alertId: { type: 'string' },
    objectId: { type: 'string' },
    mjd: { type: 'number' },
    ra: { type: 'number' },
    dec: { type: 'number' },
    band: nullableString,
    mag: nullableNumber,
    separation: { type: 'number', description: 'arcsec from the search position' },
  },
} as const;

const binary = { type: 'string', format: 'binary' } as const;
const text = { type: 'string' } as const;

interface ConeQuery {
  ra: number;
  dec: number;
  radius: number;
  survey?: Survey;
  since?: number;
  until?: number;
  limit: number;
}

/**
 * The archive, read-only: an alert by id, an object with its light curve (JSON or CSV), cone search,
 * and cutouts as FITS or PNG. GET /scs (the IVOA cone search) is in scs.ts.
 */
export function archiveRoutes(app: FastifyInstance, services: ApiServices): void {
  app.get(
    '/alerts/:alertId',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'An archived alert by id: normalised fields, annotations, survey record, and which cutouts exist',
        tags: ['archive'],
        security: tokenSecurity,
        params: { type: 'object', required: ['alertId'], properties: { alertId: idSchema }, additionalProperties: false },
        querystring: { type: 'object', additionalProperties: false, properties: { survey: surveySchema } },
        response: {
          200: {
            type: 'object',
            required: ['alert', 'cutouts'],
            properties: { alert: alertSchema, cutouts: { type: 'array', items: { type: 'string', enum: [...cutoutKinds] }, description: 'kinds archived: GET /alerts/{alertId}/cutouts/{kind}' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { alertId } = request.params as { alertId: string };
      const { survey } = request.query as { survey?: Survey };
      const [alert, cutouts] = await readArchive(services, (archive) => Promise.all([archive.getAlert(alertId, survey), archive.cutoutKindsOf(alertId)]));
      if (!alert) throw new NightjarError('NOT_FOUND', `no archived alert ${alertId}${survey ? ` from ${survey}` : ''}`, { details: { alertId } });
      return { alert, cutouts };
    },
  );

  app.get(
    '/objects/:objectId',
    {
      config: { scope: 'read' },
      schema: {
        summary: "An object's latest state and full light curve; as CSV with ?format=csv or Accept: text/csv",
        tags: ['archive'],
        security: tokenSecurity,
        params: { type: 'object', required: ['objectId'], properties: { objectId: idSchema }, additionalProperties: false },
        querystring: { type: 'object', additionalProperties: false, properties: { survey: surveySchema, format: { type: 'string', enum: ['json', 'csv'], description: 'default: json, or csv when Accept asks for text/csv' } } },
        response: {
          200: { description: 'the object (JSON) or its light curve (CSV with a header row)', content: { 'application/json': { schema: objectSchema }, 'text/csv': { schema: text } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { objectId } = request.params as { objectId: string };
      const { survey, format } = request.query as { survey?: Survey; format?: 'json' | 'csv' };
      const object = await readArchive(services, (archive) => archive.getObject(objectId, survey));
      if (!object) throw new NightjarError('NOT_FOUND', `no archived object ${objectId}${survey ? ` from ${survey}` : ''}`, { details: { objectId } });
      if ((format ?? (prefersCsv(request) ? 'csv' : 'json')) === 'json') return object;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `inline; filename="${object.survey}-${object.objectId}-lightcurve.csv"`)
        .send(lightcurveCsv(object.lightcurve));
    },
  );

  app.get(
    '/cone',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Archived alerts within a radius (arcsec) of a position, nearest first',
        tags: ['archive'],
        security: tokenSecurity,
        querystring: {
          type: 'object',
          required: ['ra', 'dec', 'radius'],
          additionalProperties: false,
          properties: {
            ra: { type: 'number', minimum: 0, maximum: 360, description: 'deg (ICRS)' },
            dec: { type: 'number', minimum: -90, maximum: 90, description: 'deg (ICRS)' },
            radius: { type: 'number', minimum: 0, maximum: MAX_CONE_RADIUS_ARCSEC, description: `arcsec, greater than 0 and at most ${MAX_CONE_RADIUS_ARCSEC}` },
            survey: surveySchema,
            since: { type: 'number', minimum: 0, description: 'only alerts observed at or after this MJD' },
            until: { type: 'number', minimum: 0, description: 'only alerts observed at or before this MJD' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_RESULTS, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['ra', 'dec', 'radius', 'count', 'hits'],
            properties: { ra: { type: 'number' }, dec: { type: 'number' }, radius: { type: 'number', description: 'arcsec' }, count: { type: 'integer' }, hits: { type: 'array', items: hitSchema } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const query = request.query as ConeQuery;
      if (query.radius <= 0) throw new NightjarError('REQUEST_INVALID', `radius must be greater than 0 and at most ${MAX_CONE_RADIUS_ARCSEC} arcsec`, { details: { in: 'querystring', radius: query.radius } });
      const ra = query.ra === 360 ? 0 : query.ra;
      const hits = await readArchive(services, (archive) => archive.coneSearch(ra, query.dec, query.radius / 3600, query.limit, { survey: query.survey, since: query.since, until: query.until }));
      return { ra: query.ra, dec: query.dec, radius: query.radius, count: hits.length, hits: hits.map(coneHit) };
    },
  );

  app.get(
    '/alerts/:alertId/cutouts/:kind',
    {
      config: { scope: 'read' },
      schema: {
        summary: "An alert's cutout as PNG (rendered, default) or FITS (as the survey sent it, gunzipped)",
        tags: ['archive'],
        security: tokenSecurity,
        params: { type: 'object', required: ['alertId', 'kind'], properties: { alertId: idSchema, kind: { type: 'string', enum: [...cutoutKinds] } }, additionalProperties: false },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            format: { type: 'string', enum: ['png', 'fits'], default: 'png' },
            stretch: { type: 'string', enum: [...stretches], description: 'PNG only: between the 0.5 and 99.5 percentiles; default asinh for science and template, linear for difference (asinh lifts its noise)' },
          },
        },
        response: {
          200: { description: 'the image', content: { 'image/png': { schema: binary }, 'application/fits': { schema: binary } } },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { alertId, kind } = request.params as { alertId: string; kind: CutoutKind };
      const { format, stretch } = request.query as { format: 'png' | 'fits'; stretch?: Stretch };
      const stored = await readArchive(services, (archive) => archive.getCutout(alertId, kind));
      if (!stored) throw new NightjarError('NOT_FOUND', `no archived ${kind} cutout for alert ${alertId}`, { details: { alertId, kind } });
      return format === 'fits' ? sendFits(reply, gunzipIfNeeded(stored), `${alertId}-${kind}.fits`) : sendPng(reply, renderPng(readFitsImage(stored), { stretch: stretch ?? (kind === 'difference' ? 'linear' : 'asinh') }));
    },
  );
}

function coneHit({ distanceArcsec, ...hit }: ConeSearchHit) {
  return { ...hit, separation: distanceArcsec };
}

/** Accept: text/csv (without a stronger preference for JSON) asks for CSV. */
function prefersCsv(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  return /(^|,)\s*text\/csv/i.test(accept) && !/(^|,)\s*application\/json/i.test(accept);
}

function sendFits(reply: FastifyReply, fits: Buffer, filename: string) {
  return reply.header('content-type', 'application/fits').header('content-disposition', `inline; filename="${filename}"`).send(fits);
}

function sendPng(reply: FastifyReply, png: Buffer) {
  // Archived cutouts never change: let browsers keep them.
  return reply.header('content-type', 'image/png').header('cache-control', 'private, max-age=86400').send(png);
}
