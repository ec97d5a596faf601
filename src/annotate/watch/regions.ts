import { NightjarError } from '../../errors/index.js';
import { ARCSEC, chordSquared, unitVector, type UnitVector } from '../sky/sphere.js';
import { base64ToFloat64, float64ToBase64 } from './chunks.js';
import { mocContains, type Moc } from './moc.js';

/** A watchmap's region as published: a MOC (ranges at its order), a cone or a polygon. */
export type RegionSpec =
  /** Range bounds as base64 little-endian Float64 (exact below 2^53; 21 bytes per range rather than ~34 as JSON numbers). */
  | { type: 'moc'; order: number; ranges: number; starts: string; ends: string }
  | { type: 'cone'; ra: number; dec: number; radius: number }
  | { type: 'polygon'; vertices: [number, number][] };

/** A region ready for membership tests. */
export interface Region {
  contains(ra: number, dec: number): boolean;
}

export const MAX_POLYGON_VERTICES = 1_000;
/** Ranges a published MOC may hold: keeps a watchmap record under Kafka's 1 MB record limit. */
export const MAX_MOC_RANGES = 30_000;

export function mocSpec(moc: Moc): RegionSpec {
  if (moc.starts.length === 0) throw new NightjarError('WATCHMAP_INVALID', 'the MOC covers no sky');
  if (moc.starts.length > MAX_MOC_RANGES) {
    throw new NightjarError('WATCHMAP_INVALID', `the MOC has ${moc.starts.length} ranges; at most ${MAX_MOC_RANGES} are accepted (degrade it to a lower order)`);
  }
  return { type: 'moc', order: moc.order, ranges: moc.starts.length, starts: float64ToBase64(moc.starts), ends: float64ToBase64(moc.ends) };
}

export function regionOf(spec: RegionSpec): Region {
  switch (spec.type) {
    case 'moc':
      return mocRegion(spec);
    case 'cone':
      return coneRegion(spec.ra, spec.dec, spec.radius);
    case 'polygon':
      return polygonRegion(spec.vertices);
  }
}

function mocRegion(spec: Extract<RegionSpec, { type: 'moc' }>): Region {
  const moc = mocOfSpec(spec);
  for (let i = 0; i < moc.starts.length; i++) {
    if (!(moc.ends[i]! > moc.starts[i]!) || (i > 0 && moc.starts[i]! < moc.ends[i - 1]!)) throw new NightjarError('WATCHMAP_INVALID', 'MOC ranges must be non-empty, sorted and disjoint');
  }
  return { contains: (ra, dec) => mocContains(moc, ra, dec) };
}

export function mocOfSpec(spec: Extract<RegionSpec, { type: 'moc' }>): Moc {
  let moc: Moc | undefined;
  try {
    moc = { order: spec.order, starts: base64ToFloat64(spec.starts), ends: base64ToFloat64(spec.ends) };
  } catch {
    moc = undefined;
  }
  const ok = moc && Number.isInteger(spec.order) && spec.order >= 0 && spec.order <= 24 && moc.starts.length === moc.ends.length;
  if (!ok) throw new NightjarError('WATCHMAP_INVALID', 'a MOC region needs an order within 0..24 and as many range starts as ends');
  return moc!;
}

/** A cone: every position within `radius` arcsec (up to 180°) of the centre. */
export function coneRegion(ra: number, dec: number, radius: number): Region {
  checkPosition(ra, dec, 'cone centre');
  if (!(radius > 0 && radius <= 180 * 3600)) throw new NightjarError('WATCHMAP_INVALID', `cone radius ${radius} arcsec is outside (0, 648000] (at most 180°)`);
  const c = unitVector(ra, dec);
  const limit = chordSquared(radius * ARCSEC);
  return {
    contains(r, d) {
      const p = unitVector(r, d);
      return (p.x - c.x) ** 2 + (p.y - c.y) ** 2 + (p.z - c.z) ** 2 <= limit;
    },
  };
}

/**
 * A spherical polygon with great-circle edges, vertices in order (either direction). Its
 * vertices must lie within one hemisphere; the polygon is then the bounded side. The test
 * projects gnomonically about the vertices' mean direction, where great circles become
 * straight lines, and counts edge crossings of a ray in the plane: no RA wrap-around and no
 * pole singularity, and non-convex polygons work.
 */
export function polygonRegion(vertices: readonly [number, number][]): Region {
  if (vertices.length < 3 || vertices.length > MAX_POLYGON_VERTICES) {
    throw new NightjarError('WATCHMAP_INVALID', `a polygon needs 3 to ${MAX_POLYGON_VERTICES} vertices; got ${vertices.length}`);
  }
  vertices.forEach(([ra, dec], i) => checkPosition(ra, dec, `polygon vertex ${i + 1}`));
  const vectors = vertices.map(([ra, dec]) => unitVector(ra, dec));
  const centre = normalise(vectors.reduce((s, v) => ({ x: s.x + v.x, y: s.y + v.y, z: s.z + v.z }), { x: 0, y: 0, z: 0 }));
  // Within ~84° of the centre; beyond, the projection stretches too far to be trusted.
  if (!centre || vectors.some((v) => dot(v, centre) < 0.1)) {
    throw new NightjarError('WATCHMAP_INVALID', 'the polygon is too large: its vertices must lie within about 84° of their mean direction');
  }
  const e1 = normalise(cross(Math.abs(centre.z) < 0.9 ? { x: 0, y: 0, z: 1 } : { x: 1, y: 0, z: 0 }, centre))!;
  const e2 = cross(centre, e1);
  const project = (v: UnitVector): [number, number] => {
    const w = dot(v, centre);
    return [dot(v, e1) / w, dot(v, e2) / w];
  };
  const xs = vectors.map((v) => project(v)[0]);
  const ys = vectors.map((v) => project(v)[1]);
  return {
    contains(ra, dec) {
      const p = unitVector(ra, dec);
      if (dot(p, centre) <= 0) return false;
      const [px, py] = project(p);
      return insidePlanarPolygon(xs, ys, px, py);
    },
  };
}

/** Even-odd rule: a horizontal ray from the point crosses the boundary an odd number of times. */
function insidePlanarPolygon(xs: readonly number[], ys: readonly number[], px: number, py: number): boolean {
  let inside = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    const yi = ys[i]!;
    const yj = ys[j]!;
    if (yi > py !== yj > py && px < ((xs[j]! - xs[i]!) * (py - yi)) / (yj - yi) + xs[i]!) inside = !inside;
  }
  return inside;
}

function checkPosition(ra: number, dec: number, what: string): void {
  if (!(Number.isFinite(ra) && Number.isFinite(dec) && ra >= 0 && ra <= 360 && dec >= -90 && dec <= 90)) {
    throw new NightjarError('WATCHMAP_INVALID', `${what} (${ra}, ${dec}) is not a position: ra must be within [0, 360] and dec within [-90, 90] degrees`);
  }
}

function dot(a: UnitVector, b: UnitVector): number {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

function cross(a: UnitVector, b: UnitVector): UnitVector {
  return { x: a.y * b.z - a.z * b.y, y: a.z * b.x - a.x * b.z, z: a.x * b.y - a.y * b.x };
}

function normalise(v: UnitVector): UnitVector | undefined {
  const n = Math.hypot(v.x, v.y, v.z);
  return n < 1e-12 ? undefined : { x: v.x / n, y: v.y / n, z: v.z / n };
}
