/**
 * Cutout stamps as plain FITS bytes. ZTF stores each as a record whose `stampData` is gzipped
 * FITS; Rubin stores plain FITS bytes. Decompression is bounded, so a gzip bomb fails cleanly.
 */
import { gunzipSync } from 'node:zlib';
import type { Cutouts } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';
import type { Row } from './normalise-common.js';

const GZIP_MAGIC = [0x1f, 0x8b];

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

function ztfStamp(cutout: unknown, maxBytes: number): Uint8Array | null {
  if (typeof cutout !== 'object' || cutout === null) return null;
  const data = bytesOrNull((cutout as Row).stampData);
  if (data === null) return null;
  // Some producers store the FITS uncompressed; only gzip data is inflated.
  if (data[0] !== GZIP_MAGIC[0] || data[1] !== GZIP_MAGIC[1]) return data;
  try {
    // A 64 KB chunk holds a whole ZTF stamp (≈20 KB), a third faster than the default 16 KB.
    return gunzipSync(data, { maxOutputLength: maxBytes, chunkSize: 64 * 1024 });
  } catch (err) {
    const code = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' ? 'DECODE_OVERSIZED_FIELD' : 'DECODE_AVRO_INVALID';
    throw new NightjarError(code, `a cutout's stampData does not gunzip: ${(err as Error).message}`, { cause: err });
  }
}

function bytesOrNull(value: unknown): Uint8Array | null {
  return value instanceof Uint8Array && value.length > 0 ? value : null;
}
