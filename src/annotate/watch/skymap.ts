import { NightjarError } from '../../errors/index.js';
import { fromNuniq } from './deep-healpix.js';
import { readBinTable, type BinTable } from './fits.js';
import { mocFromCells, mocFromRanges29, type Moc, type MocCell } from './moc.js';

/**
 * A MOC FITS file: a BINTABLE with one 64-bit (or, in MOC 1.0 files up to order 13, 32-bit)
 * column of NUNIQ cells, or, with ORDERING = 'RANGE' (MOC 2.0), pairs of order-29 range bounds.
 */
export function mocFromFits(bytes: Uint8Array): Moc {
  const table = readBinTable(bytes);
  const ordering = String(table.header.get('ORDERING') ?? 'NUNIQ').toUpperCase();
  const values = firstIntegerColumn(table);
  if (ordering === 'RANGE') {
    if (values.length % 2 !== 0) throw new NightjarError('MOC_INVALID', 'a RANGE MOC holds an odd number of bounds');
    const pairs: [bigint, bigint][] = [];
    for (let i = 0; i < values.length; i += 2) pairs.push([values[i]!, values[i + 1]!]);
    const order = table.header.get('MOCORD_S') ?? table.header.get('MOCORDER') ?? 29;
    return mocFromRanges29(pairs, Number(order));
  }
  if (ordering !== 'NUNIQ') throw new NightjarError('MOC_INVALID', `MOC ordering ${ordering} is neither NUNIQ nor RANGE`);
  return mocFromCells(values.map(cellOf));
}

function firstIntegerColumn(table: BinTable): bigint[] {
  for (const name of ['UNIQ', 'NUNIQ', 'RANGE', ...table.columnNames]) {
    const column = table.column(name);
    if (column instanceof BigInt64Array) return [...column];
    if (column instanceof Int32Array) return Array.from(column, (v) => BigInt(v));
  }
  throw new NightjarError('MOC_INVALID', `the table has no integer (K or J) column; columns: ${table.columnNames.join(', ')}`);
}

function cellOf(uniq: bigint): MocCell {
  if (uniq < 4n) throw new NightjarError('MOC_INVALID', `NUNIQ value ${uniq} is not a valid cell`);
  return fromNuniq(uniq);
}

/**
 * The credible region of a multi-order probability sky map (LVK's `*.multiorder.fits`: UNIQ and
 * PROBDENSITY per cell): cells sorted by density, highest first, are taken until their summed
 * probability (density × cell area) reaches `level` of the total. Sorting by density, not by
 * per-cell probability, is what makes it the smallest region: a coarse cell's large area does
 * not make its sky more likely. The cell that crosses the level is split at the map's finest
 * order and its first sub-cells (NESTED order) taken until the level is reached, as mocpy's
 * `from_multiordermap_fits_file(strict=False)` does, so the region holds at least `level`.
 */
export function credibleRegionMoc(bytes: Uint8Array, level: number): Moc {
  if (!(level > 0 && level <= 1)) throw new NightjarError('MOC_INVALID', `credible level ${level} is outside (0, 1]`);
  const table = readBinTable(bytes);
  const uniq = table.column('UNIQ');
  const density = table.column('PROBDENSITY');
  if (!(uniq instanceof BigInt64Array) || !(density instanceof Float64Array)) {
    throw new NightjarError('MOC_INVALID', `a multi-order sky map needs a UNIQ (K) and a PROBDENSITY (D or E) column; columns: ${table.columnNames.join(', ')}`);
  }
  const cells = Array.from(uniq, cellOf);
  const finest = Math.max(...cells.map((c) => c.order));
  const probability = cells.map((c, i) => density[i]! * ((4 * Math.PI) / (12 * 4 ** c.order)));
  const target = level * probability.reduce((a, b) => a + b, 0);
  const byDensity = cells.map((_, i) => i).sort((a, b) => density[b]! - density[a]!);
  const chosen: MocCell[] = [];
  let sum = 0;
  for (const i of byDensity) {
    if (sum + probability[i]! <= target) {
      chosen.push(cells[i]!);
      sum += probability[i]!;
      continue;
    }
    const split = 4 ** (finest - cells[i]!.order);
    const needed = Math.min(split, Math.ceil((target - sum) / (probability[i]! / split)));
    chosen.push(...prefixCells(cells[i]!, finest - cells[i]!.order, needed));
    break;
  }
  return mocFromCells(chosen);
}

/** The first `count` sub-cells (NESTED order) of a cell, `depth` orders down, as the fewest cells. */
function prefixCells(cell: MocCell, depth: number, count: number): MocCell[] {
  if (count >= 4 ** depth) return [cell];
  const out: MocCell[] = [];
  let base = cell.ipix;
  for (let j = 1; j <= depth; j++) {
    const digit = Math.floor(count / 4 ** (depth - j)) % 4;
    for (let c = 0; c < digit; c++) out.push({ order: cell.order + j, ipix: base * 4n + BigInt(c) });
    base = base * 4n + BigInt(digit);
  }
  return out;
}

/** The sky map of an LVK notice (JSON with `event.skymap`: base64 of a multi-order FITS file). */
export function skymapOfLvkAlert(text: string): { id: string; fits: Uint8Array } {
  let alert: { superevent_id?: unknown; event?: { skymap?: unknown } | null };
  try {
    alert = JSON.parse(text);
  } catch (err) {
    throw new NightjarError('MOC_INVALID', `the LVK alert is not JSON: ${(err as Error).message}`, { cause: err });
  }
  const skymap = alert.event?.skymap;
  if (typeof skymap !== 'string' || skymap === '') throw new NightjarError('MOC_INVALID', 'the LVK alert carries no sky map (event.skymap); retractions have none');
  return { id: String(alert.superevent_id ?? ''), fits: Buffer.from(skymap, 'base64') };
}
