/**
 * Compact per-source columns. Millions of JS strings would cost ~40 bytes of header each
 * and stall the GC, so text lives in one UTF-8 byte buffer with an offsets array.
 */
export interface StringColumn {
  kind: 'string';
  bytes: Uint8Array;
  /** n+1 offsets: value i is bytes[offsets[i], offsets[i+1]). */
  offsets: Uint32Array;
}

export interface NumberColumn {
  kind: 'number';
  /** NaN where the source has no value. */
  values: Float64Array;
}

export type Column = StringColumn | NumberColumn;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

export function stringAt(column: StringColumn, i: number): string {
  return decoder.decode(column.bytes.subarray(column.offsets[i]!, column.offsets[i + 1]!));
}

/** The value of row i: a number, a string, or null when missing. */
export function columnValue(column: Column, i: number): number | string | null {
  if (column.kind === 'number') {
    const v = column.values[i]!;
    return Number.isNaN(v) ? null : v;
  }
  const s = stringAt(column, i);
  return s === '' ? null : s;
}

/** Appends strings into a growing byte buffer. */
export class StringColumnBuilder {
  private bytes = new Uint8Array(1 << 16);
  private offsets = new Uint32Array(1 << 12);
  private used = 0;
  length = 0;

  push(value: string): void {
    if (this.length + 2 > this.offsets.length) this.offsets = grow(this.offsets, this.offsets.length * 2);
    const worst = value.length * 3;
    if (this.used + worst > this.bytes.length) this.bytes = grow(this.bytes, Math.max(this.bytes.length * 2, this.used + worst));
    this.used += encoder.encodeInto(value, this.bytes.subarray(this.used)).written;
    this.length += 1;
    this.offsets[this.length] = this.used;
  }

  /** A right-sized copy. */
  finish(): StringColumn {
    return { kind: 'string', bytes: this.bytes.slice(0, this.used), offsets: this.offsets.slice(0, this.length + 1) };
  }

  /** A view of the builder's buffers, for a caller that copies (permutes) it at once. */
  view(): StringColumn {
    return { kind: 'string', bytes: this.bytes.subarray(0, this.used), offsets: this.offsets.subarray(0, this.length + 1) };
  }
}

/** A column read as text becomes numeric when every non-empty value is a finite number. */
export function narrowColumn(column: StringColumn): Column {
  const n = column.offsets.length - 1;
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = stringAt(column, i).trim();
    if (s === '') {
      values[i] = NaN;
      continue;
    }
    const v = Number(s);
    if (!Number.isFinite(v)) return column;
    values[i] = v;
  }
  return { kind: 'number', values };
}

/** Reorders a column so row i of the result is row order[i] of the input. */
export function permuteColumn(column: Column, order: Uint32Array): Column {
  if (column.kind === 'number') return { kind: 'number', values: permuteFloat64(column.values, order) };
  const offsets = new Uint32Array(order.length + 1);
  const bytes = new Uint8Array(column.bytes.length);
  let used = 0;
  for (let i = 0; i < order.length; i++) {
    const src = order[i]!;
    const start = column.offsets[src]!;
    const end = column.offsets[src + 1]!;
    bytes.set(column.bytes.subarray(start, end), used);
    used += end - start;
    offsets[i + 1] = used;
  }
  return { kind: 'string', bytes, offsets };
}

export function permuteFloat64(values: Float64Array, order: Uint32Array): Float64Array {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]!]!;
  return out;
}

export function grow<T extends Float64Array | Uint32Array | Uint8Array>(array: T, capacity: number): T {
  const next = new (array.constructor as new (n: number) => T)(capacity);
  next.set(array);
  return next;
}
