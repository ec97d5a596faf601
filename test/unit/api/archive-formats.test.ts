import { gzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import type { ConeSearchHit } from '../../../src/clickhouse/archive-queries.js';
import { readFitsImage } from '../../../src/api/cutouts/fits-image.js';
import { clipRange, renderPng } from '../../../src/api/cutouts/render.js';
import { lightcurveCsv } from '../../../src/api/lightcurve-csv.js';
import { scsErrorVotable, scsVotable } from '../../../src/api/votable.js';
import { realZtfEnriched } from '../../integration/sink-support.js';

/** A one-HDU FITS image: header cards padded to 2880 bytes, big-endian data, padded likewise. */
export function fitsImage(width: number, height: number, bitpix: 8 | 16 | 32 | -32 | -64, values: number[], extra: Record<string, number> = {}): Buffer {
  const card = (key: string, value: string | number | boolean) => `${key.padEnd(8)}= ${typeof value === 'boolean' ? (value ? 'T' : 'F') : String(value)}`.padEnd(80);
  const cards = [card('SIMPLE', true), card('BITPIX', bitpix), card('NAXIS', 2), card('NAXIS1', width), card('NAXIS2', height), ...Object.entries(extra).map(([k, v]) => card(k, v)), 'END'.padEnd(80)];
  const header = Buffer.from(cards.join('').padEnd(Math.ceil(cards.length / 36) * 2880), 'latin1');
  const size = Math.abs(bitpix) / 8;
  const data = Buffer.alloc(Math.ceil((width * height * size) / 2880) * 2880);
  values.forEach((v, i) => {
    const at = i * size;
    if (bitpix === 8) data.writeUInt8(v, at);
    else if (bitpix === 16) data.writeInt16BE(v, at);
    else if (bitpix === 32) data.writeInt32BE(v, at);
    else if (bitpix === -32) data.writeFloatBE(v, at);
    else data.writeDoubleBE(v, at);
  });
  return Buffer.concat([header, data]);
}

describe('reading FITS cutouts', () => {
  const alert = realZtfEnriched()[0]!;
  const stamp = Buffer.from((alert.cutouts as { science: string }).science, 'base64');

  it('reads a real ZTF stamp (BITPIX -32), plain or still gzipped as the survey sends it', () => {
    const image = readFitsImage(stamp);
    expect(image.header.get('BITPIX')).toBe(-32);
    expect([image.width, image.height]).toEqual([image.header.get('NAXIS1'), image.header.get('NAXIS2')]);
    expect(image.pixels.length).toBe(image.width * image.height);
    expect(image.pixels.every(Number.isFinite)).toBe(true);
    expect(readFitsImage(gzipSync(stamp)).pixels).toEqual(image.pixels);
  });

  it('applies BSCALE and BZERO, and turns BLANK and NaN into NaN', () => {
    const ints = readFitsImage(fitsImage(2, 2, 16, [0, 1, -32768, 100], { BSCALE: 0.5, BZERO: 10, BLANK: -32768 }));
    expect([...ints.pixels]).toEqual([10, 10.5, NaN, 60]);
    const doubles = readFitsImage(fitsImage(3, 1, -64, [1.25, NaN, -3e10]));
    expect([...doubles.pixels]).toEqual([1.25, NaN, -3e10]);
    const bytes = readFitsImage(fitsImage(2, 1, 8, [0, 255]));
    expect([...bytes.pixels]).toEqual([0, 255]);
    const words = readFitsImage(fitsImage(2, 1, 32, [-5, 2_000_000_000], { BZERO: 1 }));
    expect([...words.pixels]).toEqual([-4, 2_000_000_001]);
  });

  it('refuses what is not a FITS image with CUTOUT_UNREADABLE', () => {
    expect(() => readFitsImage(Buffer.from('not a fits file at all'.repeat(200)))).toThrow(expect.objectContaining({ code: 'CUTOUT_UNREADABLE' }));
    expect(() => readFitsImage(Buffer.from([0x1f, 0x8b, 1, 2, 3]))).toThrow(expect.objectContaining({ code: 'CUTOUT_UNREADABLE' }));
    const noImage = Buffer.from(['SIMPLE  = T', 'BITPIX  = 8', 'NAXIS   = 0', 'END'].map((c) => c.padEnd(80)).join('').padEnd(2880), 'latin1');
    expect(() => readFitsImage(noImage)).toThrow(/no HDU holds a two-dimensional image/);
    const bitpix = fitsImage(1, 1, 8, [1]);
    bitpix.write('BITPIX  = 7'.padEnd(80), 80, 'latin1');
    expect(() => readFitsImage(bitpix)).toThrow(expect.objectContaining({ code: 'CUTOUT_UNREADABLE' }));
  });
});

describe('rendering cutouts as PNG', () => {
  const decode = (png: Buffer) => PNG.sync.read(png);

  it('keeps the size, flips rows so that north is up, and makes NaN transparent', () => {
    // Bottom FITS row (first in the file) bright, top row dark, one NaN.
    const png = decode(renderPng(readFitsImage(fitsImage(2, 2, -32, [100, 100, 0, NaN])), { stretch: 'linear', lowPercentile: 0, highPercentile: 100 }));
    expect([png.width, png.height]).toEqual([2, 2]);
    const pixel = (x: number, y: number) => [...png.data.subarray((y * 2 + x) * 4, (y * 2 + x) * 4 + 4)];
    expect(pixel(0, 1)).toEqual([255, 255, 255, 255]);
    expect(pixel(0, 0)).toEqual([0, 0, 0, 255]);
    expect(pixel(1, 0)[3]).toBe(0);
  });

  it('clips at percentiles so one hot pixel does not flatten the rest', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i % 100);
    values[0] = 1e9;
    const png = decode(renderPng(readFitsImage(fitsImage(1000, 1, -32, values)), { stretch: 'linear' }));
    const greys = new Set(Array.from({ length: 1000 }, (_, i) => png.data[i * 4]));
    expect(greys.size).toBeGreaterThan(50);
    expect(clipRange(new Float64Array([NaN, NaN]), 1, 99)).toEqual([0, 1]);
  });

  it('renders a flat image mid-grey and a real stamp with the full range', () => {
    const flat = decode(renderPng(readFitsImage(fitsImage(2, 1, 16, [7, 7]))));
    expect(flat.data[0]).toBe(128);
    const stamp = Buffer.from((realZtfEnriched()[0]!.cutouts as { science: string }).science, 'base64');
    const png = decode(renderPng(readFitsImage(stamp)));
    const greys = Array.from({ length: png.width * png.height }, (_, i) => png.data[i * 4]!);
    expect(Math.min(...greys)).toBe(0);
    expect(Math.max(...greys)).toBe(255);
  });
});

describe('light curves as CSV', () => {
  it('has a header row, empty fields for nulls, exact numbers and CRLF lines', () => {
    const csv = lightcurveCsv([
      { mjd: 60000.123456789, band: 'g', kind: 'detection', mag: 18.5, magErr: 0.05, flux: null, fluxErr: null, limitMag: 20.1 },
      { mjd: 60001, band: null, kind: 'upperlimit', mag: null, magErr: null, flux: -12.5, fluxErr: 3, limitMag: NaN },
    ]);
    expect(csv).toBe('mjd,band,kind,mag,magErr,flux,fluxErr,limitMag\r\n60000.123456789,g,detection,18.5,0.05,,,20.1\r\n60001,,upperlimit,,,-12.5,3,\r\n');
  });
});

describe('Simple Cone Search VOTables', () => {
  // Cell text stays text: a 19-digit id must not pass through a double.
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false });
  const hit: ConeSearchHit = { survey: 'ztf', alertId: '2695378462115010012', objectId: 'ZTF24<&>"x', mjd: 60500.5, ra: 10.5, dec: -20.25, band: null, mag: 18.25, distanceArcsec: 1.8 };

  it('is well-formed VOTable 1.3 with the SCS main id, RA and Dec UCDs and one row per hit', () => {
    const xml = scsVotable({ ra: 10.5, dec: -20.25, sr: 0.01 }, [hit], false);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = parser.parse(xml).VOTABLE;
    expect(doc.version).toBe('1.3');
    expect(doc.RESOURCE.type).toBe('results');
    expect(doc.RESOURCE.INFO).toMatchObject({ name: 'QUERY_STATUS', value: 'OK' });
    const fields = doc.RESOURCE.TABLE.FIELD as { name: string; ucd: string; datatype: string }[];
    expect(fields.filter((f) => f.ucd === 'ID_MAIN').map((f) => f.name)).toEqual(['alertId']);
    expect(fields.filter((f) => f.ucd === 'POS_EQ_RA_MAIN').map((f) => f.name)).toEqual(['ra']);
    expect(fields.filter((f) => f.ucd === 'POS_EQ_DEC_MAIN').map((f) => f.name)).toEqual(['dec']);
    const cells = doc.RESOURCE.TABLE.DATA.TABLEDATA.TR.TD as unknown[];
    expect(cells).toHaveLength(fields.length);
    const byName = Object.fromEntries(fields.map((f, i) => [f.name, cells[i]]));
    expect(byName.alertId).toBe('2695378462115010012');
    expect(byName.objectId).toBe('ZTF24<&>"x');
    expect(byName.band).toBe('');
    expect(Number(byName.separation)).toBeCloseTo(0.0005, 12);
    expect(Number(byName.ra)).toBe(10.5);
  });

  it('says OVERFLOW when the rows were cut, and has an empty table for no hits', () => {
    expect(parser.parse(scsVotable({ ra: 1, dec: 2, sr: 0.1 }, [hit], true)).VOTABLE.RESOURCE.INFO.value).toBe('OVERFLOW');
    const empty = scsVotable({ ra: 1, dec: 2, sr: 0 }, [], false);
    expect(XMLValidator.validate(empty)).toBe(true);
    expect(parser.parse(empty).VOTABLE.RESOURCE.TABLE.DATA.TABLEDATA).toBe('');
  });

  it('reports errors as QUERY_STATUS ERROR with the message escaped', () => {
    const xml = scsErrorVotable('SR must be <= 1 & > 0');
    expect(XMLValidator.validate(xml)).toBe(true);
    const infos = parser.parse(xml).VOTABLE.RESOURCE.INFO as { name: string; value: string; '#text'?: string }[];
    expect(infos[0]).toMatchObject({ name: 'QUERY_STATUS', value: 'ERROR', '#text': 'SR must be <= 1 & > 0' });
    expect(infos[1]).toMatchObject({ name: 'Error', value: 'SR must be <= 1 & > 0' });
  });
});
