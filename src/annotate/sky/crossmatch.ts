import { NightjarError } from '../../errors/index.js';
import { discPixels, queryOrderFor } from './healpix.js';
import { lowerBound } from './radix-sort.js';
import type { SkyIndex } from './sky-index.js';
import { angleBetween, ARCSEC, chordSquared, DEG } from './sphere.js';

/** Largest radius a query accepts: beyond ~10° a cone search is a different tool. */
export const MAX_RADIUS_ARCSEC = 36_000;

/** One result per query position; nearest is -1 and sepArcsec NaN when nothing lies within the radius. */
export interface CrossmatchResult {
  nearest: Int32Array;
  sepArcsec: Float64Array;
  count: Uint32Array;
}

export interface ConeHit {
  nearest: number;
  sepArcsec: number;
  count: number;
}

/** A prepared query radius: the disc-query order and the squared-chord acceptance limit. */
export interface Cone {
  radiusRad: number;
  queryOrder: number;
  chord2: number;
}

export function prepareCone(index: SkyIndex, radiusArcsec: number): Cone {
  if (!(radiusArcsec > 0 && radiusArcsec <= MAX_RADIUS_ARCSEC)) {
    throw new NightjarError('XMATCH_RADIUS_INVALID', `crossmatch radius ${radiusArcsec}″ is outside (0, ${MAX_RADIUS_ARCSEC}]″`, {
      details: { radiusArcsec },
    });
  }
  const radiusRad = radiusArcsec * ARCSEC;
  return { radiusRad, queryOrder: queryOrderFor(radiusRad, index.order), chord2: chordSquared(radiusRad) };
}

/**
 * Nearest source within the cone and how many lie within it. Membership uses the squared
 * chord (exact and cheap); only the nearest gets the atan2 separation.
 */
export function coneSearch(index: SkyIndex, cone: Cone, ra: number, dec: number): ConeHit {
  const cosDec = Math.cos(dec * DEG);
  const qx = cosDec * Math.cos(ra * DEG);
  const qy = cosDec * Math.sin(ra * DEG);
  const qz = Math.sin(dec * DEG);
  const scale = 4 ** (index.order - cone.queryOrder);
  const { x, y, z } = index;
  let nearest = -1;
  let best = Infinity;
  let count = 0;
  for (const pixel of discPixels(cone.queryOrder, qx, qy, qz, cone.radiusRad)) {
    const end = lowerBound(index.pixels, (pixel + 1) * scale);
    for (let i = lowerBound(index.pixels, pixel * scale); i < end; i++) {
      const dx = x[i]! - qx;
      const dy = y[i]! - qy;
      const dz = z[i]! - qz;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > cone.chord2) continue;
      count += 1;
      if (d2 < best) {
        best = d2;
        nearest = i;
      }
    }
  }
  const sepArcsec = nearest < 0 ? NaN : angleBetween(qx, qy, qz, x[nearest]!, y[nearest]!, z[nearest]!) / ARCSEC;
  return { nearest, sepArcsec, count };
}

/** Batched cone searches; positions that are not finite or out of range get no match. */
export function crossmatch(index: SkyIndex, ras: Float64Array, decs: Float64Array, radiusArcsec: number): CrossmatchResult {
  if (ras.length !== decs.length) {
    throw new NightjarError('XMATCH_INPUT_INVALID', `ras has ${ras.length} values but decs has ${decs.length}`);
  }
  const cone = prepareCone(index, radiusArcsec);
  const n = ras.length;
  const result: CrossmatchResult = { nearest: new Int32Array(n).fill(-1), sepArcsec: new Float64Array(n).fill(NaN), count: new Uint32Array(n) };
  for (let j = 0; j < n; j++) {
    const ra = ras[j]!;
    const dec = decs[j]!;
    if (!(ra >= 0 && ra <= 360 && dec >= -90 && dec <= 90)) continue;
    const hit = coneSearch(index, cone, ra, dec);
    result.nearest[j] = hit.nearest;
    result.sepArcsec[j] = hit.sepArcsec;
    result.count[j] = hit.count;
  }
  return result;
}
