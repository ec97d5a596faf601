/**
 * Cutout stamps as the survey sent them: ZTF stores each as a record whose `stampData` is
 * gzip-compressed FITS, Rubin stores plain FITS. They are passed on compressed: inflating three
 * stamps was most of the cost of decoding a ZTF alert, and the enriched and match topics carry
 * them at a third of the size. Whoever shows a stamp inflates it (the API's cutout routes do, with
 * gunzipIfNeeded in src/api/cutouts/fits-image.ts). A gzip stamp is checked without inflating it:
 * well-formed header, and a declared size (the gzip trailer) within the limit, so a gzip bomb is
 * refused here.
 */
import type { Cutouts } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';
import type { Row } from './normalise-common.js';

const GZIP_MAGIC = [0x1f, 0x8b];
/** Smallest gzip member: 10-byte header, an empty deflate block, 8-byte trailer. */
const GZIP_MIN_BYTES = 20;

export function ztfCutouts(record: Row, maxBytes: number): Cutouts {
  return {
    science: ztfStamp(record.cutoutScience, maxBytes),
    template: ztfStamp(record.cutoutTemplate, maxBytes),
    difference: ztfStamp(record.cutoutDifference, maxBytes),
  };
}

export function lsstCutouts(record: Row): Cutouts {
  return { science: bytesOrNull(record.cutoutScience), template: bytesOrNull(record.cutoutTemplate), difference: bytesOrNull(record.cutoutDifference) };
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

function ztfStamp(cutout: unknown, maxBytes: number): Uint8Array | null {
  if (typeof cutout !== 'object' || cutout === null) return null;
  const data = bytesOrNull((cutout as Row).stampData);
  if (data === null) return null;
  // Some producers store the FITS uncompressed; that is passed on as it is too.
  if (!isGzip(data)) return data;
  if (data.length < GZIP_MIN_BYTES || data[2] !== 8) throw new NightjarError('DECODE_AVRO_INVALID', 'a cutout\'s stampData has a gzip signature but no deflate stream');
  // ISIZE: the uncompressed size modulo 2^32, little-endian, in the last 4 bytes.
  const declared = Buffer.from(data.buffer, data.byteOffset, data.byteLength).readUInt32LE(data.length - 4);
  if (declared > maxBytes) throw new NightjarError('DECODE_OVERSIZED_FIELD', `a cutout inflates to ${declared} bytes; the limit is ${maxBytes}`);
  return data;
}

function bytesOrNull(value: unknown): Uint8Array | null {
  return value instanceof Uint8Array && value.length > 0 ? value : null;
}
