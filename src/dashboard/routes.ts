import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NightjarError } from '../errors/index.js';
import { loadDashboardAssets, type Asset, type DashboardAssets } from './assets.js';

/** Hashed asset URLs never change content, so browsers and proxies may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page itself is revalidated every time (cheap: a 304 on its ETag), so a new release shows at once. */
const REVALIDATE = 'no-cache';

function contentSecurityPolicy(assets: DashboardAssets): string {
  return [
    "default-src 'self'",
    `script-src 'self' '${assets.importMapHash}'`,
    // uPlot and the sky view set inline styles through the CSSOM; style attributes need this.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "connect-src 'self' ws: wss:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset, cacheControl: string): FastifyReply {
  void reply.header('cache-control', cacheControl).header('etag', asset.etag).header('vary', 'accept-encoding').header('x-content-type-options', 'nosniff');
  if (request.headers['if-none-match'] === asset.etag) return reply.status(304).send();
  void reply.type(asset.type);
  if (asset.gzip && /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) return reply.header('content-encoding', 'gzip').send(asset.gzip);
  return reply.send(asset.body);
}

/**
 * The dashboard: `/` (one page, hash-routed) and `/assets/<version>/...` (its modules, styles and
 * vendored libraries), all served from memory by the api role. No external network is needed.
 */
export function dashboardRoutes(app: FastifyInstance, assets: DashboardAssets = loadDashboardAssets()): void {
  const csp = contentSecurityPolicy(assets);
  app.get('/', { schema: { hide: true } }, async (request, reply) => send(request, reply.header('content-security-policy', csp).header('referrer-policy', 'no-referrer'), assets.index, REVALIDATE));

  app.get('/assets/:version/*', { schema: { hide: true } }, async (request, reply) => {
    const { version, '*': path } = request.params as { version: string; '*': string };
    const asset = assets.files.get(path);
    // An old version's URL (a page loaded before a release) gets a 404 rather than new content under an immutable URL.
    if (!asset || version !== assets.version) throw new NightjarError('NOT_FOUND', `no dashboard asset ${version}/${path}`);
    return send(request, reply, asset, IMMUTABLE);
  });
}
