import { ang2pixNest, MAX_ORDER } from './healpix.js';
import { sortedOrder } from './radix-sort.js';
import { grow, narrowColumn, permuteColumn, permuteFloat64, StringColumnBuilder, type Column, type StringColumn } from './columns.js';
import { DEG, isValidPosition } from './sphere.js';

/**
 * A catalog held as typed arrays sorted by HEALPix NESTED pixel at `order`: unit vectors for
 * separations, ids and configured columns in compact form. Source i has pixel pixels[i];
 * every pixel's sources form one contiguous run found by binary search.
 */
export interface SkyIndex {
  order: number;
  size: number;
  pixels: Uint32Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  ids: StringColumn;
  columns: Record<string, Column>;
}

/** Accumulates sources one at a time, then sorts them into a SkyIndex. */
export class SkyIndexBuilder {
  private x: Float64Array;
  private y: Float64Array;
  private z: Float64Array;
  private pixels: Uint32Array;
  private ids = new StringColumnBuilder();
  private readonly columns: Map<string, StringColumnBuilder>;
  size = 0;

  constructor(
    readonly columnNames: readonly string[] = [],
    expectedSize = 1024,
    readonly order = MAX_ORDER,
  ) {
    const capacity = Math.max(16, expectedSize);
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.z = new Float64Array(capacity);
    this.pixels = new Uint32Array(capacity);
    this.columns = new Map(columnNames.map((name) => [name, new StringColumnBuilder()]));
  }

  /** Adds a source; returns false (and adds nothing) when the position is invalid. */
  add(ra: number, dec: number, id: string, values: readonly string[] = []): boolean {
    if (!isValidPosition(ra, dec)) return false;
    if (this.size === this.x.length) this.growTo(this.size * 2);
    const i = this.size;
    const cosDec = Math.cos(dec * DEG);
    this.x[i] = cosDec * Math.cos(ra * DEG);
    this.y[i] = cosDec * Math.sin(ra * DEG);
    this.z[i] = Math.sin(dec * DEG);
    this.pixels[i] = ang2pixNest(this.order, ra, dec);
    this.ids.push(id);
    let c = 0;
    for (const column of this.columns.values()) column.push(values[c++] ?? '');
    this.size += 1;
    return true;
  }

  /** Sorts by pixel and releases the builder's buffers; the builder must not be used afterwards. */
  finish(): SkyIndex {
    const n = this.size;
    const pixels = this.pixels.subarray(0, n);
    const order = sortedOrder(pixels);
    const sortedPixels = new Uint32Array(n);
    for (let i = 0; i < n; i++) sortedPixels[i] = pixels[order[i]!]!;
    this.pixels = new Uint32Array(0);
    // One column at a time, dropping each source buffer once copied, to keep the peak low.
    const ids = permuteColumn(this.ids.view(), order) as StringColumn;
    this.ids = new StringColumnBuilder();
    const index: SkyIndex = {
      order: this.order,
      size: n,
      pixels: sortedPixels,
      x: permuteFloat64(this.x.subarray(0, n), order),
      y: new Float64Array(0),
      z: new Float64Array(0),
      ids,
      columns: {},
    };
    this.x = new Float64Array(0);
    index.y = permuteFloat64(this.y.subarray(0, n), order);
    this.y = new Float64Array(0);
    index.z = permuteFloat64(this.z.subarray(0, n), order);
    this.z = new Float64Array(0);
    for (const [name, builder] of this.columns) index.columns[name] = permuteColumn(narrowColumn(builder.finish()), order);
    return index;
  }

  private growTo(capacity: number): void {
    this.x = grow(this.x, capacity);
    this.y = grow(this.y, capacity);
    this.z = grow(this.z, capacity);
    this.pixels = grow(this.pixels, capacity);
  }
}
