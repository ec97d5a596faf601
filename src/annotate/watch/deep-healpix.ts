import { DEG } from '../sky/sphere.js';

/**
 * HEALPix NESTED pixels down to order 24 (≈0.0126″), for MOC membership. sky/healpix.ts's
 * ang2pixNest interleaves bits with 32-bit operations, exact to order 15; MOCs routinely go
 * deeper. Order 24 keeps every pixel number below 2^53 (12·4^24 ≈ 3.4e15), so doubles stay exact;
 * finer MOC cells are rounded out to their order-24 parent.
 */
export const MOC_MAX_ORDER = 24;

export function ang2pixNestDeep(order: number, raDeg: number, decDeg: number): number {
  const nside = 2 ** order;
  const dec = decDeg * DEG;
  const z = Math.sin(dec);
  const za = Math.abs(z);
  let tt = (raDeg / 90) % 4;
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
    // Polar caps: cos(dec) rather than 1 − |z|, which loses its digits near the poles.
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const tmp = nside * Math.cos(dec) * Math.sqrt(3 / (1 + za));
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
  return spread16(x & 0xffff) + spread16(Math.floor(x / 0x10000)) * 2 ** 32;
}

function spread16(x: number): number {
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return ((x | (x << 1)) & 0x55555555) >>> 0;
}

/** Order and pixel of a NUNIQ value (uniq = 4·4^order + ipix). */
export function fromNuniq(uniq: bigint): { order: number; ipix: bigint } {
  if (uniq < 4n) throw new RangeError(`NUNIQ ${uniq} is below 4`);
  const order = Math.floor((uniq.toString(2).length - 1) / 2) - 1;
  return { order, ipix: uniq - 4n * 4n ** BigInt(order) };
}
