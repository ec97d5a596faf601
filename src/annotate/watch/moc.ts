import { NightjarError } from '../../errors/index.js';
import { ang2pixNest } from '../sky/healpix.js';
import { fromNuniq, MOC_MAX_ORDER } from './deep-healpix.js';

/**
 * A HEALPix multi-order coverage map held as sorted, disjoint, non-adjacent ranges
 * [start, end) of NESTED pixels at its deepest order: in NESTED numbering a cell of order o
 * is the range [ipix·4^(D−o), (ipix+1)·4^(D−o)) at order D, so membership of a position is
 * one pixel computation and one binary search whatever the mix of orders.
 */
export interface Moc {
  order: number;
  starts: Float64Array;
  ends: Float64Array;
}

export interface MocCell {
  order: number;
  ipix: bigint;
}

/** Builds the ranges of a set of cells; cells deeper than order 24 are rounded out to their parent there. */
export function mocFromCells(cells: readonly MocCell[]): Moc {
  let depth = 0;
  for (const cell of cells) {
    checkCell(cell);
    depth = Math.max(depth, Math.min(cell.order, MOC_MAX_ORDER));
  }
  const ranges = cells.map(({ order, ipix }): [number, number] => {
    if (order > depth) {
      const parent = Number(ipix >> BigInt(2 * (order - depth)));
      return [parent, parent + 1];
    }
    const scale = 4 ** (depth - order);
    return [Number(ipix) * scale, (Number(ipix) + 1) * scale];
  });
  return mergeRanges(depth, ranges);
}

/**
 * MOC 2.0 RANGE serialization: half-open ranges at order 29, held at the MOC's own order
 * (the file's MOCORD_S), at most 24; finer bounds are rounded outwards.
 */
export function mocFromRanges29(pairs: readonly [bigint, bigint][], order = MOC_MAX_ORDER): Moc {
  if (!Number.isInteger(order) || order < 0) throw new NightjarError('MOC_INVALID', `MOC order ${order} is not a non-negative integer`);
  const depth = Math.min(order, MOC_MAX_ORDER);
  const shift = BigInt(2 * (29 - depth));
  const unit = 1n << shift;
  const ranges = pairs.map(([start, end]): [number, number] => {
    if (!(start >= 0n && end > start && end <= 12n * 4n ** 29n)) throw new NightjarError('MOC_INVALID', `MOC range [${start}, ${end}) is empty or outside the sphere at order 29`);
    return [Number(start >> shift), Number((end + unit - 1n) >> shift)];
  });
  return mergeRanges(depth, ranges);
}

function mergeRanges(order: number, ranges: [number, number][]): Moc {
  ranges.sort((a, b) => a[0] - b[0]);
  const starts: number[] = [];
  const ends: number[] = [];
  for (const [start, end] of ranges) {
    const last = ends.length - 1;
    if (last >= 0 && start <= ends[last]!) ends[last] = Math.max(ends[last]!, end);
    else {
      starts.push(start);
      ends.push(end);
    }
  }
  return { order, starts: Float64Array.from(starts), ends: Float64Array.from(ends) };
}

function checkCell({ order, ipix }: MocCell): void {
  if (!Number.isInteger(order) || order < 0 || order > 29) throw new NightjarError('MOC_INVALID', `MOC order ${order} is outside 0..29`);
  if (ipix < 0n || ipix >= 12n * 4n ** BigInt(order)) throw new NightjarError('MOC_INVALID', `MOC cell ${ipix} does not exist at order ${order}`);
}

export function mocContains(moc: Moc, raDeg: number, decDeg: number): boolean {
  if (moc.starts.length === 0) return false;
  return rangesContain(moc, ang2pixNest(moc.order, raDeg, decDeg));
}

/** Membership of a pixel at the MOC's own order: the last range starting at or before it. */
export function rangesContain(moc: Moc, pixel: number): boolean {
  let lo = 0;
  let hi = moc.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (moc.starts[mid]! <= pixel) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && pixel < moc.ends[lo - 1]!;
}

/** Share of the sphere the MOC covers (0..1). */
export function skyFraction(moc: Moc): number {
  let covered = 0;
  for (let i = 0; i < moc.starts.length; i++) covered += moc.ends[i]! - moc.starts[i]!;
  return covered / (12 * 4 ** moc.order);
}

/**
 * The IVOA MOC 2.0 JSON serialization: `{"<order>": [ipix, ...], ...}`. Pixel numbers beyond
 * 2^53 (orders above 25) lose digits in JSON.parse, so the numbers are read from the text.
 */
export function mocFromJson(text: string): Moc {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new NightjarError('MOC_INVALID', `MOC JSON does not parse: ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new NightjarError('MOC_INVALID', 'MOC JSON must be an object mapping orders to arrays of pixel numbers');
  const cells: MocCell[] = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^\d{1,2}$/.test(key) || !Array.isArray(value)) throw new NightjarError('MOC_INVALID', `MOC JSON key "${key}" is not an order with an array of pixel numbers`);
    if (value.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) throw new NightjarError('MOC_INVALID', `MOC JSON order ${key} holds a value that is not a non-negative integer`);
  }
  for (const match of text.matchAll(/"(\d{1,2})"\s*:\s*\[([^\]]*)\]/g)) {
    const order = Number(match[1]);
    for (const item of match[2]!.split(',')) if (item.trim() !== '') cells.push({ order, ipix: BigInt(item.trim()) });
  }
  return mocFromCells(cells);
}

/** The MOC as NUNIQ cells at the least number of cells per range (for writing it out again). */
export function mocToJson(moc: Moc): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let i = 0; i < moc.starts.length; i++) {
    let p = moc.starts[i]!;
    const end = moc.ends[i]!;
    while (p < end) {
      // The largest aligned cell starting at p that fits before end.
      let level = 0;
      while (level < moc.order && p % 4 ** (level + 1) === 0 && p + 4 ** (level + 1) <= end) level += 1;
      const order = moc.order - level;
      (out[order] ??= []).push(p / 4 ** level);
      p += 4 ** level;
    }
  }
  return out;
}

export { fromNuniq };
