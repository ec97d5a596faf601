import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { gunzipIfNeeded } from '../../../src/api/cutouts/fits-image.js';
import { isGzip, lsstCutouts, ztfCutouts } from '../../../src/ingest/cutouts.js';

const fits = Buffer.concat([Buffer.from('SIMPLE  =                    T'.padEnd(80)), Buffer.alloc(2800, 0x20)]);

describe('cutout stamps', () => {
  it('passes ZTF stamps on gzip-compressed, as sent, and the API inflates them on demand', () => {
    const gz = gzipSync(fits);
    const cutouts = ztfCutouts({ cutoutScience: { stampData: gz }, cutoutTemplate: null, cutoutDifference: { stampData: fits } }, 1 << 20);
    expect(cutouts.science).toBe(gz);
    expect(isGzip(cutouts.science!)).toBe(true);
    expect(gunzipIfNeeded(Buffer.from(cutouts.science!), 1 << 20).equals(fits)).toBe(true);
    expect(cutouts.template).toBeNull();
    // Uncompressed FITS from other producers is passed on as it is.
    expect(cutouts.difference).toBe(fits);
    expect(gunzipIfNeeded(fits, 10)).toBe(fits);
  });

  it('refuses a stamp whose declared size exceeds the limit without inflating it (gzip bomb)', () => {
    const bomb = gzipSync(Buffer.alloc(4 << 20));
    expect(bomb.length).toBeLessThan(8192);
    expect(() => ztfCutouts({ cutoutScience: { stampData: bomb } }, 1 << 20)).toThrow(expect.objectContaining({ code: 'DECODE_OVERSIZED_FIELD' }));
    expect(() => gunzipIfNeeded(bomb, 1 << 20)).toThrow(expect.objectContaining({ code: 'CUTOUT_UNREADABLE' }));
  });

  it('refuses a gzip signature without a deflate stream, and reports a corrupt one when inflated', () => {
    expect(() => ztfCutouts({ cutoutScience: { stampData: Buffer.from([0x1f, 0x8b, 0x00, 0x01]) } }, 1 << 20)).toThrow(expect.objectContaining({ code: 'DECODE_AVRO_INVALID' }));
    const corrupt = gzipSync(fits);
    corrupt.fill(0xff, 12, 40);
    expect(() => gunzipIfNeeded(corrupt, 1 << 20)).toThrow(expect.objectContaining({ code: 'CUTOUT_UNREADABLE' }));
  });

  it('keeps Rubin stamps as the plain FITS they are', () => {
    expect(lsstCutouts({ cutoutScience: fits, cutoutTemplate: new Uint8Array(0), cutoutDifference: null })).toEqual({ science: fits, template: null, difference: null });
  });
});
