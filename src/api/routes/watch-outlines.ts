import { corners_nest, order2nside, vec2ang } from '@hscmap/healpix';
import type { FastifyInstance } from 'fastify';
import type { Moc } from '../../annotate/watch/moc.js';
import { mocOfSpec, type RegionSpec } from '../../annotate/watch/regions.js';
import { NightjarError } from '../../errors/index.js';
import { principalOf } from '../auth.js';
import type { ApiServices } from '../context.js';
import { errorResponses, tokenSecurity } from '../schemas.js';

/** Most HEALPix cells drawn per MOC: finer MOCs are shown at the deepest order that fits. */
export const MAX_OUTLINE_CELLS = 4_096;
/** Cells finer than this are not worth drawing on a whole-sky map (order 10 ≈ 3.4′). */
const MAX_DRAW_ORDER = 10;

const point = { type: 'array', minItems: 2, maxItems: 2, items: { type: 'number' } } as const;
const outlineSchema = {
  type: 'object',
  required: ['name', 'type'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', enum: ['moc', 'cone', 'polygon'] },
    cone: { type: 'object', required: ['ra', 'dec', 'radius'], properties: { ra: { type: 'number' }, dec: { type: 'number' }, radius: { type: 'number', description: 'arcsec' } } },
    polygon: { type: 'array', items: point, description: '[ra, dec] vertices (deg)' },
    cells: { type: 'array', items: { type: 'array', items: point }, description: 'MOC cells as four [ra, dec] corners (deg)' },
    order: { type: 'integer', description: 'HEALPix order the MOC cells are drawn at (coarser than the MOC when it has too many cells)' },
  },
} as const;

/** The NESTED pixels at `order` that overlap the MOC's ranges, or null when there are more than `limit`. */
export function mocCellsAt(moc: Moc, order: number, limit: number): number[] | null {
  const scale = 4 ** (moc.order - order);
  const cells: number[] = [];
  for (let i = 0; i < moc.starts.length; i += 1) {
    const first = Math.floor(moc.starts[i]! / scale);
    const last = Math.floor((moc.ends[i]! - 1) / scale);
    for (let p = cells.at(-1) === first ? first + 1 : first; p <= last; p += 1) {
      cells.push(p);
      if (cells.length > limit) return null;
    }
  }
  return cells;
}

function corners(order: number, ipix: number): [number, number][] {
  return corners_nest(order2nside(order), ipix).map((v) => {
    const { theta, phi } = vec2ang(v);
    return [Math.round((((phi * 180) / Math.PI + 360) % 360) * 1e5) / 1e5, Math.round((90 - (theta * 180) / Math.PI) * 1e5) / 1e5];
  });
}

function outline(name: string, spec: RegionSpec): Record<string, unknown> {
  if (spec.type === 'cone') return { name, type: 'cone', cone: { ra: spec.ra, dec: spec.dec, radius: spec.radius } };
  if (spec.type === 'polygon') return { name, type: 'polygon', polygon: spec.vertices };
  const moc = mocOfSpec(spec);
  for (let order = Math.min(moc.order, MAX_DRAW_ORDER); order >= 0; order -= 1) {
    const cells = mocCellsAt(moc, order, MAX_OUTLINE_CELLS);
    if (cells) return { name, type: 'moc', order, cells: cells.map((p) => corners(order, p)) };
  }
  return { name, type: 'moc', order: 0, cells: [] };
}

/** Geometry of the caller's watchmaps, for drawing them on the dashboard's sky view. */
export function watchOutlineRoutes(app: FastifyInstance, { watch }: ApiServices): void {
  app.get(
    '/watchmaps/outlines',
    {
      config: { scope: 'read' },
      schema: {
        summary: 'Your watchmaps as drawable outlines: cones, polygons, MOC cells (at most 4,096 per map, coarsened to fit)',
        tags: ['watchlists'],
        security: tokenSecurity,
        response: { 200: { type: 'object', required: ['outlines'], properties: { outlines: { type: 'array', items: outlineSchema } } }, ...errorResponses },
      },
    },
    async (request) => {
      if (!watch) throw new NightjarError('WATCH_UNAVAILABLE', 'watchlists are not available in this process');
      return { outlines: watch.listWatchmaps(principalOf(request).user).map((record) => outline(record.name, record.region)) };
    },
  );
}
