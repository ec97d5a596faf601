import type { FastifyInstance } from 'fastify';
import { parseWatchlistCsv } from '../../annotate/watch/csv.js';
import { DEFAULT_ENTRY_RADIUS_ARCSEC, type WatchlistEntries } from '../../annotate/watch/entries.js';
import { mocFromJson, skyFraction, type Moc } from '../../annotate/watch/moc.js';
import { coneRegion, mocSpec, polygonRegion, type RegionSpec } from '../../annotate/watch/regions.js';
import { credibleRegionMoc, mocFromFits } from '../../annotate/watch/skymap.js';
import { NightjarError } from '../../errors/index.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { errorResponses, nameSchema, tokenSecurity } from '../schemas.js';
import { csvField } from '../../annotate/catalogs/csv.js';

/** Largest watchlist or watchmap upload: a CSV of a million entries is about 40 MB. */
export const WATCH_UPLOAD_LIMIT = 128 * 1024 * 1024;
const SQ_DEG = 41_252.96;

const nameParams = { type: 'object', required: ['name'], additionalProperties: false, properties: { name: nameSchema } } as const;

const watchlistSchema = {
  type: 'object',
  required: ['name', 'owner', 'version', 'entries', 'maxRadius', 'updatedAt'],
  properties: { name: { type: 'string' }, owner: { type: 'string' }, version: { type: 'integer' }, entries: { type: 'integer' }, chunks: { type: 'integer' }, maxRadius: { type: 'number', description: 'largest entry radius (arcsec)' }, updatedAt: { type: 'string' } },
} as const;

const watchmapSchema = {
  type: 'object',
  required: ['name', 'owner', 'type', 'source', 'areaSqDeg', 'updatedAt'],
  properties: { name: { type: 'string' }, owner: { type: 'string' }, type: { type: 'string', enum: ['moc', 'cone', 'polygon'] }, source: { type: 'string' }, areaSqDeg: { type: 'number' }, updatedAt: { type: 'string' } },
} as const;

const entrySchema = {
  type: 'object',
  required: ['name', 'ra', 'dec'],
  additionalProperties: false,
  properties: { name: { type: 'string', minLength: 1, maxLength: 128 }, ra: { type: 'number' }, dec: { type: 'number' }, radius: { type: 'number', description: 'arcsec' } },
} as const;

const csvBody = { type: 'string', description: 'CSV with a header: name,ra,dec[,radius] (degrees, arcsec)' } as const;
const regionBody = {
  type: 'object',
  additionalProperties: false,
  description: 'exactly one of moc (MOC JSON, e.g. {"10": [1, 2]}), cone or polygon',
  properties: {
    moc: { type: 'object', additionalProperties: true },
    cone: { type: 'object', required: ['ra', 'dec', 'radius'], additionalProperties: false, properties: { ra: { type: 'number' }, dec: { type: 'number' }, radius: { type: 'number', description: 'arcsec' } } },
    polygon: { type: 'array', minItems: 3, maxItems: 1_000, items: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } } },
  },
} as const;

function unavailable(): NightjarError {
  return new NightjarError('WATCH_UNAVAILABLE', 'watchlists are not available in this process');
}

/**
 * Watchlists and watchmaps of the caller (docs/watchlists.md): upload (CSV or JSON entries; MOC
 * JSON or FITS, a cone or a polygon), list and delete. Each change is published to the watchlists
 * topic that every worker follows, so it takes effect within seconds.
 */
export function watchRoutes(app: FastifyInstance, { watch }: ApiServices): void {
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: WATCH_UPLOAD_LIMIT }, (_request, body, done) => done(null, body));
  app.addContentTypeParser(['application/fits', 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: WATCH_UPLOAD_LIMIT }, (_request, body, done) => done(null, body));

  app.put(
    '/watchlists/:name',
    {
      config: { scope: 'write' },
      bodyLimit: WATCH_UPLOAD_LIMIT,
      schema: {
        summary: 'Create or replace a watchlist (a new version) from CSV or JSON entries',
        tags: ['watchlists'],
        security: tokenSecurity,
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { radius: { type: 'number', minimum: 0.001, maximum: 3600, description: 'default radius of entries without one (arcsec, default 5)' } } },
        consumes: ['text/csv', 'application/json'],
        body: {
          oneOf: [csvBody, { type: 'object', required: ['entries'], additionalProperties: false, properties: { entries: { type: 'array', minItems: 1, maxItems: 1_000_000, items: entrySchema } } }],
        },
        response: { 200: watchlistSchema, ...errorResponses },
      },
    },
    async (request) => {
      if (!watch) throw unavailable();
      const owner = principalOf(request).user;
      const { name } = request.params as { name: string };
      const defaultRadiusArcsec = (request.query as { radius?: number }).radius ?? DEFAULT_ENTRY_RADIUS_ARCSEC;
      const body = request.body as string | { entries: { name: string; ra: number; dec: number; radius?: number }[] } | undefined | null;
      if (typeof body !== 'string' && !(typeof body === 'object' && body !== null && Array.isArray(body.entries))) throw new NightjarError('WATCHLIST_INVALID', 'send the list as text/csv (name,ra,dec[,radius]) or as JSON {"entries": [...]}');
      const entries: WatchlistEntries = typeof body === 'string' ? parseWatchlistCsv(body, { defaultRadiusArcsec }) : parseWatchlistCsv(entriesCsv(body.entries), { defaultRadiusArcsec });
      const manifest = await watch.addWatchlist(owner, name, entries);
      return manifest;
    },
  );

  app.get(
    '/watchlists',
    { config: { scope: 'read' }, schema: { summary: 'Your watchlists', tags: ['watchlists'], security: tokenSecurity, response: { 200: { type: 'object', required: ['watchlists'], properties: { watchlists: { type: 'array', items: watchlistSchema } } }, ...errorResponses } } },
    async (request) => {
      if (!watch) throw unavailable();
      return { watchlists: watch.listWatchlists(principalOf(request).user) };
    },
  );

  app.delete(
    '/watchlists/:name',
    { config: { scope: 'write' }, schema: { summary: 'Delete one of your watchlists', tags: ['watchlists'], security: tokenSecurity, params: nameParams, response: { 204: { type: 'null', description: 'deleted' }, ...errorResponses } } },
    async (request, reply) => {
      if (!watch) throw unavailable();
      await watch.deleteWatchlist(principalOf(request).user, (request.params as { name: string }).name);
      return reply.status(204).send();
    },
  );

  app.put(
    '/watchmaps/:name',
    {
      config: { scope: 'write' },
      bodyLimit: WATCH_UPLOAD_LIMIT,
      schema: {
        summary: 'Create or replace a watchmap: a MOC (JSON body, or FITS as application/fits), a cone or a polygon',
        tags: ['watchlists'],
        security: tokenSecurity,
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { credible: { type: 'number', minimum: 0.001, maximum: 1, description: 'FITS HEALPix sky map: keep this credible region (e.g. 0.9)' } } },
        consumes: ['application/json', 'application/fits'],
        body: { anyOf: [regionBody, { description: 'MOC or HEALPix sky map as FITS' }] },
        response: { 200: watchmapSchema, ...errorResponses },
      },
    },
    async (request) => {
      if (!watch) throw unavailable();
      const owner = principalOf(request).user;
      const { name } = request.params as { name: string };
      const region = regionOfBody(request.body, (request.query as { credible?: number }).credible);
      const record = await watch.addWatchmap(owner, name, region.spec, region.source, region.skyFraction);
      return mapView(record);
    },
  );

  app.get(
    '/watchmaps',
    { config: { scope: 'read' }, schema: { summary: 'Your watchmaps', tags: ['watchlists'], security: tokenSecurity, response: { 200: { type: 'object', required: ['watchmaps'], properties: { watchmaps: { type: 'array', items: watchmapSchema } } }, ...errorResponses } } },
    async (request) => {
      if (!watch) throw unavailable();
      return { watchmaps: watch.listWatchmaps(principalOf(request).user).map(mapView) };
    },
  );

  app.delete(
    '/watchmaps/:name',
    { config: { scope: 'write' }, schema: { summary: 'Delete one of your watchmaps', tags: ['watchlists'], security: tokenSecurity, params: nameParams, response: { 204: { type: 'null', description: 'deleted' }, ...errorResponses } } },
    async (request, reply) => {
      if (!watch) throw unavailable();
      await watch.deleteWatchmap(principalOf(request).user, (request.params as { name: string }).name);
      return reply.status(204).send();
    },
  );
}

function mapView(record: { name: string; owner: string; source: string; skyFraction: number; updatedAt: string; region: RegionSpec }) {
  return { name: record.name, owner: record.owner, type: record.region.type, source: record.source, areaSqDeg: record.skyFraction * SQ_DEG, updatedAt: record.updatedAt };
}

/** JSON entries through the CSV parser, so both uploads obey the same checks and messages. */
function entriesCsv(entries: readonly { name: string; ra: number; dec: number; radius?: number }[]): string {
  return ['name,ra,dec,radius', ...entries.map((e) => `${csvField(e.name)},${e.ra},${e.dec},${e.radius ?? ''}`)].join('\n');
}

function regionOfBody(body: unknown, credible: number | undefined): { spec: RegionSpec; source: string; skyFraction: number } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new NightjarError('WATCHMAP_INVALID', 'send a region as JSON ({"moc"}, {"cone"} or {"polygon"}) or a MOC / sky map as application/fits');
  if (Buffer.isBuffer(body)) {
    if (body.length === 0) throw new NightjarError('WATCHMAP_INVALID', 'the FITS upload is empty');
    const moc = credible === undefined ? mocFromFits(body) : credibleRegionMoc(body, credible);
    return fromMoc(moc, credible === undefined ? 'MOC FITS upload' : `sky map ${Math.round(credible * 100)}% credible region`);
  }
  const given = body as { moc?: Record<string, unknown>; cone?: { ra: number; dec: number; radius: number }; polygon?: [number, number][] };
  const kinds = (['moc', 'cone', 'polygon'] as const).filter((k) => given[k] !== undefined);
  if (kinds.length !== 1) throw new NightjarError('WATCHMAP_INVALID', 'give exactly one of moc, cone or polygon');
  if (given.cone) {
    const { ra, dec, radius } = given.cone;
    coneRegion(ra, dec, radius);
    return { spec: { type: 'cone', ra, dec, radius }, source: `cone ${ra},${dec},${radius}`, skyFraction: (1 - Math.cos((radius / 3600) * (Math.PI / 180))) / 2 };
  }
  if (given.polygon) {
    polygonRegion(given.polygon);
    return { spec: { type: 'polygon', vertices: given.polygon }, source: `polygon of ${given.polygon.length} vertices`, skyFraction: 0 };
  }
  return fromMoc(mocFromJson(JSON.stringify(given.moc)), 'MOC JSON upload');
}

function fromMoc(moc: Moc, source: string): { spec: RegionSpec; source: string; skyFraction: number } {
  return { spec: mocSpec(moc), source, skyFraction: skyFraction(moc) };
}
