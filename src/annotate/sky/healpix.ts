import { nside2resol, order2nside, query_disc_inclusive_nest } from '@hscmap/healpix';
import { DEG } from './sphere.js';

/**
 * HEALPix in the NESTED scheme, through @hscmap/healpix (a port of Górski et al. 2005).
 * NESTED matters here: the children of pixel p at order q are exactly the contiguous range
 * [p·4^(k−q), (p+1)·4^(k−q)) at order k, so one sorted array of fine pixels answers a
 * query made at any coarser order with two binary searches per coarse pixel.
 */
export const MAX_ORDER = 13; // nside 8192, 805M pixels: indexes fit a Uint32Array; pixel ≈ 26″

/** Deepest order ang2pixNest answers exactly: 12·4^24 ≈ 3.4e15 stays below 2^53, so pixel numbers are exact doubles. */
export const DEEPEST_ORDER = 24;

/**
 * NESTED pixel of a position at any order up to DEEPEST_ORDER (the sky index uses 13, MOCs go
 * to 24): the loc2pix of healpix_base without intermediate objects (the library's ang2pix
 * allocates several per call, which dominates building a 10M-source index). Near the poles it
 * uses cos(dec) rather than 1 − |z|, which has lost its digits there. Bits are interleaved in
 * two 16-bit halves so orders above 15 stay exact. The tests check it against @hscmap/healpix's
 * ang2pix_nest and against reference pixels at orders 18 and 24.
 */
export function ang2pixNest(order: number, raDeg: number, decDeg: number): number {
  const nside = 2 ** order;
  const dec = decDeg * DEG;
  const z = Math.sin(dec);
  const za = Math.abs(z);
  let tt = (raDeg / 90) % 4; // phi / (π/2)
  if (tt < 0) tt += 4;
  let face: number;
  let ix: number;
  let iy: number;
  if (za <= 2 / 3) {
    // Equatorial belt: the two diagonal coordinates along the belt's lines of constant j±.
    const t1 = nside * (0.5 + tt);
    const t2 = nside * (z * 0.75);
    const jp = Math.floor(t1 - t2);
    const jm = Math.floor(t1 + t2);
    const ifp = Math.floor(jp / nside);
    const ifm = Math.floor(jm / nside);
    face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8; // ifp = 4 wraps to face 4
    ix = jm % nside;
    iy = nside - (jp % nside) - 1;
  } else {
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const tmp = nside * Math.cos(dec) * Math.sqrt(3 / (1 + za)); // = nside·sqrt(3(1 − za))
    const jp = Math.min(nside - 1, Math.floor(tp * tmp));
    const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp));
    if (z >= 0) {
      face = ntt;
      ix = nside - jm - 1;
      iy = nside - jp - 1;
    } else {
      face = ntt + 8;
      ix = jp;
      iy = jm;
    }
  }
  return face * nside * nside + interleave(ix) + 2 * interleave(iy);
}

/** Moves bit k of x (x < 2^24) to bit 2k, as a double. */
function interleave(x: number): number {
  return x < 0x10000 ? spread16(x) : spread16(x & 0xffff) + spread16(Math.floor(x / 0x10000)) * 2 ** 32;
}

/** Moves bit k of x (x < 2^16) to bit 2k. */
function spread16(x: number): number {
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return ((x | (x << 1)) & 0x55555555) >>> 0;
}

/**
 * @hscmap/healpix's inclusive disc query returns nothing for a disc centred on the south pole
 * whose radius is so small that cos(r) rounds to 1; a floor of 1″ avoids that degenerate case
 * (the caller filters by exact distance, so a larger disc only costs a little scanning).
 */
const MIN_DISC_RADIUS = (1 / 3600) * DEG;

/** Every pixel at `order` that the disc touches (conservative: may include a few it doesn't). */
export function discPixels(order: number, x: number, y: number, z: number, radiusRad: number): number[] {
  const out: number[] = [];
  query_disc_inclusive_nest(order2nside(order), [x, y, z], Math.max(radiusRad, MIN_DISC_RADIUS), (p) => out.push(p));
  return out;
}

/** The finest order whose pixels are still at least as wide as the radius, so a disc query returns a handful of pixels. */
export function queryOrderFor(radiusRad: number, maxOrder: number): number {
  let order = 0;
  while (order < maxOrder && nside2resol(order2nside(order + 1)) >= radiusRad) order += 1;
  return order;
}

/** Pixel side ≈ sqrt(pixel area) at an order (radians). */
export function resolution(order: number): number {
  return nside2resol(order2nside(order));
}

export function npix(order: number): number {
  return 12 * 4 ** order;
}
