import { DEEPEST_ORDER } from '../sky/healpix.js';

/**
 * HEALPix for MOCs: pixels down to order 24 (≈0.0126″), computed by the sky index's ang2pixNest,
 * which is exact to that order; finer MOC cells are rounded out to their order-24 parent.
 */
export const MOC_MAX_ORDER = DEEPEST_ORDER;

/** Order and pixel of a NUNIQ value (uniq = 4·4^order + ipix). */
export function fromNuniq(uniq: bigint): { order: number; ipix: bigint } {
  if (uniq < 4n) throw new RangeError(`NUNIQ ${uniq} is below 4`);
  const order = Math.floor((uniq.toString(2).length - 1) / 2) - 1;
  return { order, ipix: uniq - 4n * 4n ** BigInt(order) };
}
