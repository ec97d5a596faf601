import { gunzipSync } from 'node:zlib';
import { NightjarError } from '../../errors/index.js';
import { isGzip } from '../../ingest/cutouts.js';

/**
 * The first two-dimensional image of a FITS file (the primary HDU or an IMAGE extension), as
 * physical values: BITPIX 8/16/32/64 or -32/-64, big-endian, scaled by BSCALE and BZERO; the
 * integer BLANK value and IEEE NaN both become NaN. Gzipped input (ZTF's stamps as the survey sends
 * them) is inflated first, at most `maxBytes`.
 */
export interface FitsImage {
  width: number;
  height: number;
  /** Row-major from the first FITS row, which is the bottom of the image as displayed. */
  pixels: Float64Array;
  header: Map<string, HeaderValue>;
}

/** Larger than any survey stamp (Rubin's are ~60 KB); a guard against gzip bombs. */
const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

/** Undoes the gzip layer, if any; the bytes of plain FITS are returned unchanged. */
export function gunzipIfNeeded(bytes: Buffer, maxBytes = DEFAULT_MAX_BYTES): Buffer {
  if (!isGzip(bytes)) return bytes;
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    throw unreadable(`the cutout is gzipped but does not inflate: ${(err as Error).message}`);
  }
}

const BLOCK = 2880;
const CARD = 80;

type HeaderValue = string | number | boolean;

interface Hdu {
  header: Map<string, HeaderValue>;
  data: Uint8Array;
}

export function readFitsImage(input: Buffer): FitsImage {
  const bytes = gunzipIfNeeded(input);
  if (bytes.length < BLOCK || bytes.subarray(0, 9).toString('latin1') !== 'SIMPLE  =') throw unreadable('the bytes do not start with a FITS primary header (SIMPLE =)');
  for (let at = 0; at + BLOCK <= bytes.length; ) {
    const { header, dataStart } = readHeader(bytes, at);
    const size = dataBytes(header);
    const hdu = { header, data: bytes.subarray(dataStart, Math.min(bytes.length, dataStart + size)) };
    if (isImage(hdu)) return decode(hdu);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw unreadable('no HDU holds a two-dimensional image');
}

/** 80-character cards up to END; values are numbers, T/F, or quoted strings (a doubled quote is a quote). */
function readHeader(bytes: Buffer, start: number): { header: Map<string, HeaderValue>; dataStart: number } {
  const header = new Map<string, HeaderValue>();
  for (let at = start; at + CARD <= bytes.length; at += CARD) {
    const card = bytes.subarray(at, at + CARD).toString('latin1');
    const keyword = card.slice(0, 8).trim();
    if (keyword === 'END') return { header, dataStart: start + Math.ceil((at + CARD - start) / BLOCK) * BLOCK };
    if (card.slice(8, 10) !== '= ') continue;
    const value = card.slice(10).trim();
    if (value.startsWith("'")) header.set(keyword, (/^'((?:[^']|'')*)'/.exec(value)?.[1] ?? '').replace(/''/g, "'").trimEnd());
    else {
      const raw = value.split('/')[0]!.trim();
      const n = Number(raw.replace(/D/i, 'E'));
      header.set(keyword, raw === 'T' ? true : raw === 'F' ? false : Number.isFinite(n) && raw !== '' ? n : raw);
    }
  }
  throw unreadable('a header has no END card');
}

function dataBytes(header: Map<string, HeaderValue>): number {
  const naxis = Number(header.get('NAXIS') ?? 0);
  if (!Number.isInteger(naxis) || naxis <= 0) return 0;
  let elements = 1;
  for (let i = 1; i <= naxis; i++) elements *= Number(header.get(`NAXIS${i}`) ?? 0);
  const bytes = Math.abs(Number(header.get('BITPIX') ?? 8)) / 8;
  const gcount = Number(header.get('GCOUNT') ?? 1);
  const pcount = Number(header.get('PCOUNT') ?? 0);
  const size = bytes * gcount * (pcount + elements);
  if (!Number.isFinite(size) || size < 0) throw unreadable('NAXISn, BITPIX, PCOUNT or GCOUNT is not a number');
  return size;
}

function isImage(hdu: Hdu): boolean {
  const xtension = hdu.header.get('XTENSION');
  if (xtension !== undefined && xtension !== 'IMAGE') return false;
  const naxis = hdu.header.get('NAXIS');
  if (naxis !== 2 && naxis !== 3) return false;
  // A cube with one plane is an image too.
  return naxis === 2 || hdu.header.get('NAXIS3') === 1;
}

function decode({ header, data }: Hdu): FitsImage {
  const width = positive(header, 'NAXIS1');
  const height = positive(header, 'NAXIS2');
  const bitpix = header.get('BITPIX');
  const scale = numberOr(header, 'BSCALE', 1);
  const zero = numberOr(header, 'BZERO', 0);
  const blank = header.get('BLANK');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const read = reader(view, bitpix);
  if (data.byteLength < width * height * read.bytes) throw unreadable(`the image needs ${width * height * read.bytes} bytes of data but has ${data.byteLength}`);
  const pixels = new Float64Array(width * height);
  for (let i = 0; i < pixels.length; i++) {
    const raw = read.at(i * read.bytes);
    pixels[i] = read.integer && raw === blank ? NaN : raw * scale + zero;
  }
  return { width, height, pixels, header };
}

function reader(view: DataView, bitpix: unknown): { bytes: number; integer: boolean; at(offset: number): number } {
  switch (bitpix) {
    case 8:
      return { bytes: 1, integer: true, at: (o) => view.getUint8(o) };
    case 16:
      return { bytes: 2, integer: true, at: (o) => view.getInt16(o, false) };
    case 32:
      return { bytes: 4, integer: true, at: (o) => view.getInt32(o, false) };
    case 64:
      return { bytes: 8, integer: true, at: (o) => Number(view.getBigInt64(o, false)) };
    case -32:
      return { bytes: 4, integer: false, at: (o) => view.getFloat32(o, false) };
    case -64:
      return { bytes: 8, integer: false, at: (o) => view.getFloat64(o, false) };
    default:
      throw unreadable(`BITPIX ${String(bitpix)} is not one of 8, 16, 32, 64, -32, -64`);
  }
}

function positive(header: Map<string, unknown>, key: string): number {
  const value = header.get(key);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw unreadable(`${key} is missing or not a positive integer`);
  return value;
}

function numberOr(header: Map<string, unknown>, key: string, fallback: number): number {
  const value = header.get(key);
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function unreadable(message: string): NightjarError {
  return new NightjarError('CUTOUT_UNREADABLE', `FITS cutout: ${message}`);
}
