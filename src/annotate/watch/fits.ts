import { gunzipSync } from 'node:zlib';
import { NightjarError } from '../../errors/index.js';

/**
 * Just enough FITS to read MOCs and multi-order sky maps: 2880-byte blocks of 80-character
 * header cards, HDUs skipped by their data size, and BINTABLE columns of scalar K (int64),
 * J (int32), D (float64) and E (float32). Gzipped files are recognised by their magic bytes.
 */
const BLOCK = 2880;
const CARD = 80;

export type HeaderValue = string | number | boolean;

export interface Hdu {
  header: Map<string, HeaderValue>;
  data: Uint8Array;
}

export interface BinTable {
  header: Map<string, HeaderValue>;
  rows: number;
  columnNames: string[];
  /** A column by name (case-insensitive): BigInt64Array for K, Int32Array for J, Float64Array for D and E. */
  column(name: string): BigInt64Array | Int32Array | Float64Array | undefined;
}

export function readFitsHdus(input: Uint8Array): Hdu[] {
  const bytes = input[0] === 0x1f && input[1] === 0x8b ? new Uint8Array(gunzipSync(input)) : input;
  if (bytes.length < BLOCK || !latin1(bytes.subarray(0, 9)).startsWith('SIMPLE  =')) throw fitsError('the file does not start with a FITS primary header (SIMPLE =)');
  const hdus: Hdu[] = [];
  let at = 0;
  while (at + BLOCK <= bytes.length) {
    const { header, dataStart } = readHeader(bytes, at);
    const size = dataSize(header);
    if (dataStart + size > bytes.length) throw fitsError(`HDU ${hdus.length} declares ${size} bytes of data but the file ends first`);
    hdus.push({ header, data: bytes.subarray(dataStart, dataStart + size) });
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  return hdus;
}

/** The first BINTABLE extension. */
export function readBinTable(input: Uint8Array): BinTable {
  const hdu = readFitsHdus(input).find((h) => h.header.get('XTENSION') === 'BINTABLE');
  if (!hdu) throw fitsError('the file has no BINTABLE extension');
  return binTable(hdu);
}

function readHeader(bytes: Uint8Array, start: number): { header: Map<string, HeaderValue>; dataStart: number } {
  const header = new Map<string, HeaderValue>();
  for (let at = start; at + CARD <= bytes.length; at += CARD) {
    const card = latin1(bytes.subarray(at, at + CARD));
    const keyword = card.slice(0, 8).trim();
    if (keyword === 'END') return { header, dataStart: start + Math.ceil((at + CARD - start) / BLOCK) * BLOCK };
    if (card.slice(8, 10) === '= ') header.set(keyword, cardValue(card.slice(10)));
  }
  throw fitsError('a header has no END card');
}

function cardValue(text: string): HeaderValue {
  const trimmed = text.trimStart();
  if (trimmed.startsWith("'")) {
    // A quote inside a string is written twice.
    let value = '';
    for (let i = 1; i < trimmed.length; i++) {
      if (trimmed[i] === "'") {
        if (trimmed[i + 1] === "'") {
          value += "'";
          i += 1;
        } else break;
      } else value += trimmed[i];
    }
    return value.trimEnd();
  }
  const raw = trimmed.split('/')[0]!.trim();
  if (raw === 'T') return true;
  if (raw === 'F') return false;
  const n = Number(raw.replace(/D/i, 'E'));
  return Number.isFinite(n) ? n : raw;
}

function dataSize(header: Map<string, HeaderValue>): number {
  const naxis = integer(header, 'NAXIS');
  if (naxis === 0) return 0;
  let elements = 1;
  for (let i = 1; i <= naxis; i++) elements *= integer(header, `NAXIS${i}`);
  const bitpix = Math.abs(integer(header, 'BITPIX'));
  const gcount = header.has('GCOUNT') ? integer(header, 'GCOUNT') : 1;
  const pcount = header.has('PCOUNT') ? integer(header, 'PCOUNT') : 0;
  return (bitpix / 8) * gcount * (pcount + elements);
}

const WIDTHS: Record<string, number> = { L: 1, X: 1, B: 1, I: 2, J: 4, K: 8, A: 1, E: 4, D: 8, C: 8, M: 16, P: 8, Q: 16 };

interface ColumnLayout {
  name: string;
  type: string;
  repeat: number;
  offset: number;
}

function binTable(hdu: Hdu): BinTable {
  const { header, data } = hdu;
  const rowBytes = integer(header, 'NAXIS1');
  const rows = integer(header, 'NAXIS2');
  const layout: ColumnLayout[] = [];
  let offset = 0;
  for (let i = 1; i <= integer(header, 'TFIELDS'); i++) {
    const form = String(header.get(`TFORM${i}`) ?? '');
    const m = /^\s*(\d*)([LXBIJKAEDCMPQ])/.exec(form);
    if (!m) throw fitsError(`column ${i} has an unreadable TFORM "${form}"`);
    const repeat = m[1] === '' ? 1 : Number(m[1]);
    const type = m[2]!;
    const name = String(header.get(`TTYPE${i}`) ?? `COL${i}`).trim();
    layout.push({ name, type, repeat, offset });
    offset += type === 'X' ? Math.ceil(repeat / 8) : repeat * WIDTHS[type]!;
  }
  if (offset > rowBytes) throw fitsError(`columns need ${offset} bytes per row but NAXIS1 is ${rowBytes}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  return {
    header,
    rows,
    columnNames: layout.map((c) => c.name),
    column(name) {
      const col = layout.find((c) => c.name.toUpperCase() === name.toUpperCase());
      return col ? readColumn(view, col, rows, rowBytes) : undefined;
    },
  };
}

function readColumn(view: DataView, col: ColumnLayout, rows: number, rowBytes: number): BigInt64Array | Int32Array | Float64Array {
  if (col.repeat !== 1) throw fitsError(`column ${col.name} holds ${col.repeat} values per row; only scalar columns are read`);
  // FITS is big-endian.
  switch (col.type) {
    case 'K':
      return fill(new BigInt64Array(rows), (r) => view.getBigInt64(r * rowBytes + col.offset, false));
    case 'J':
      return fill(new Int32Array(rows), (r) => view.getInt32(r * rowBytes + col.offset, false));
    case 'D':
      return fill(new Float64Array(rows), (r) => view.getFloat64(r * rowBytes + col.offset, false));
    case 'E':
      return fill(new Float64Array(rows), (r) => view.getFloat32(r * rowBytes + col.offset, false));
    default:
      throw fitsError(`column ${col.name} has type ${col.type}; only K, J, D and E are read`);
  }
}

function fill<A extends { [i: number]: T; length: number }, T>(array: A, at: (row: number) => T): A {
  for (let r = 0; r < array.length; r++) array[r] = at(r);
  return array;
}

function integer(header: Map<string, HeaderValue>, key: string): number {
  const v = header.get(key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw fitsError(`header keyword ${key} is missing or not a non-negative integer`);
  return v;
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

function fitsError(message: string): NightjarError {
  return new NightjarError('MOC_INVALID', `FITS: ${message}`);
}
