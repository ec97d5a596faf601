import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NightjarError } from '../errors/index.js';
import { etagOf, loadDashboardAssets, type Asset, type DashboardAssets } from './assets.js';

/** Settings the page reads from its own HTML (config `dashboard.*`). */
export interface DashboardSettings {
  /** HiPS image survey of the sky view's Aladin Lite; empty: the offline projection only. */
  hipsUrl: string;
  /** How long the browser waits for `<hipsUrl>/properties` (ms). */
  hipsProbeTimeoutMs: number;
}

/** No image survey: what a dashboard built without configuration shows. */
export const OFFLINE_SETTINGS: DashboardSettings = { hipsUrl: '', hipsProbeTimeoutMs: 4_000 };

/** Hashed asset URLs never change content, so browsers and proxies may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page itself is revalidated every time (cheap: a 304 on its ETag), so a new release shows at once. */
const REVALIDATE = 'no-cache';

function contentSecurityPolicy(assets: DashboardAssets, settings: DashboardSettings): string {
  // The image survey's host is the one other origin the page may reach: Aladin Lite fetches its
  // properties and tiles from there. It also fetches its WebAssembly core from a data: URL inlined
  // in its module and compiles it (hence data: for connections and wasm-unsafe-eval).
  const survey = settings.hipsUrl ? new URL(settings.hipsUrl).origin : '';
  return [
    "default-src 'self'",
    `script-src 'self' '${assets.importMapHash}'${survey ? " 'wasm-unsafe-eval'" : ''}`,
    // uPlot and the sky view set inline styles through the CSSOM; style attributes need this.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' blob: data:${survey ? ` ${survey}` : ''}`,
    `connect-src 'self' ws: wss:${survey ? ` data: ${survey}` : ''}`,
    // Aladin Lite runs part of its work in a worker it creates from a blob: URL.
    ...(survey ? ["worker-src 'self' blob:"] : []),
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

function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** index.html with the settings filled into its `{{hips…}}` meta tags (the ETag follows them). */
function withSettings(index: Asset, settings: DashboardSettings): Asset {
  const body = Buffer.from(index.body.toString('utf8').replaceAll('{{hipsUrl}}', escapeAttribute(settings.hipsUrl)).replaceAll('{{hipsProbeTimeoutMs}}', String(settings.hipsProbeTimeoutMs)));
  return { ...index, body, gzip: null, etag: etagOf(body) };
}

/**
 * The dashboard: `/` (one page, hash-routed) and `/assets/<version>/...` (its modules, styles and
 * vendored libraries), all served from memory by the api role. No external network is needed.
 */
export function dashboardRoutes(app: FastifyInstance, assets: DashboardAssets = loadDashboardAssets(), settings: DashboardSettings = OFFLINE_SETTINGS): void {
  const csp = contentSecurityPolicy(assets, settings);
  const index = withSettings(assets.index, settings);
  app.get('/', { schema: { hide: true } }, async (request, reply) => send(request, reply.header('content-security-policy', csp).header('referrer-policy', 'no-referrer'), index, REVALIDATE));

  app.get('/assets/:version/*', { schema: { hide: true } }, async (request, reply) => {
    const { version, '*': path } = request.params as { version: string; '*': string };
    const asset = assets.files.get(path);
    // An old version's URL (a page loaded before a release) gets a 404 rather than new content under an immutable URL.
    if (!asset || version !== assets.version) throw new NightjarError('NOT_FOUND', `no dashboard asset ${version}/${path}`);
    return send(request, reply, asset, IMMUTABLE);
  });
}
