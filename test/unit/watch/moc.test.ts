import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ang2pixNest } from '../../../src/annotate/sky/healpix.js';
import { fromNuniq } from '../../../src/annotate/watch/deep-healpix.js';
import { mocContains, mocFromCells, mocFromJson, mocFromRanges29, mocToJson, skyFraction, type Moc } from '../../../src/annotate/watch/moc.js';
import { credibleRegionMoc, mocFromFits, skymapOfLvkAlert } from '../../../src/annotate/watch/skymap.js';
import { isNightjarError } from '../../../src/errors/index.js';

// Reference data from mocpy: test/reference/moc/make_moc.py.
const dir = new URL('../../reference/moc/', import.meta.url);
const read = (name: string): Buffer => readFileSync(new URL(name, dir));
interface PointSet {
  ra: number[];
  dec: number[];
  inside: boolean[];
}
const points = JSON.parse(read('points.json').toString('utf8')) as {
  region: PointSet;
  lvk90: PointSet & { skyFraction: number };
  deep: PointSet;
  pixels: { ra: number; dec: number; order18: number; order24: number }[];
};
const LVK_ALERT = '/work/shared/data/gw/MS181101ab-preliminary.json';

function disagreements(moc: Moc, set: PointSet): number[] {
  const wrong: number[] = [];
  set.ra.forEach((ra, i) => {
    if (mocContains(moc, ra, set.dec[i]!) !== set.inside[i]) wrong.push(i);
  });
  return wrong;
}

describe('MOC parsing and membership against mocpy', () => {
  it('reads the MOC 2.0 JSON and answers contains() like mocpy, near the pole and across RA 0', () => {
    const moc = mocFromJson(read('region.json').toString('utf8'));
    expect(moc.order).toBe(14);
    expect(points.region.inside.filter(Boolean).length).toBeGreaterThan(1_000);
    expect(disagreements(moc, points.region)).toEqual([]);
  });

  it('reads the MOC FITS (NUNIQ, 64-bit) and its gzipped copy into the same ranges as the JSON', () => {
    const json = mocFromJson(read('region.json').toString('utf8'));
    const fits = mocFromFits(read('region.fits'));
    const gz = mocFromFits(read('region.fits.gz'));
    expect(fits).toEqual(json);
    expect(gz).toEqual(json);
  });

  it('handles cells deeper than order 16 (a 2″ cone at depth 20)', () => {
    const moc = mocFromJson(read('deep.json').toString('utf8'));
    expect(moc.order).toBe(20);
    expect(disagreements(moc, points.deep)).toEqual([]);
  });

  it('computes NESTED pixels at orders 18 and 24 like mocpy, and like the sky index at order 13', () => {
    for (const p of points.pixels) {
      expect(ang2pixNest(18, p.ra, p.dec)).toBe(p.order18);
      expect(ang2pixNest(24, p.ra, p.dec)).toBe(p.order24);
    }
  });

  it('decodes NUNIQ values', () => {
    expect(fromNuniq(4n)).toEqual({ order: 0, ipix: 0n });
    expect(fromNuniq(15n)).toEqual({ order: 0, ipix: 11n });
    expect(fromNuniq(16n)).toEqual({ order: 1, ipix: 0n });
    expect(fromNuniq(4n * 4n ** 29n + 123n)).toEqual({ order: 29, ipix: 123n });
  });

  it('merges overlapping and adjacent cells and writes them back as the fewest cells', () => {
    const moc = mocFromCells([
      { order: 1, ipix: 0n },
      { order: 2, ipix: 4n },
      { order: 2, ipix: 2n },
    ]);
    // order-1 cell 0 = order-2 cells 0..3, adjacent to 4: one range [0, 5).
    expect([...moc.starts]).toEqual([0]);
    expect([...moc.ends]).toEqual([5]);
    expect(mocToJson(moc)).toEqual({ 1: [0], 2: [4] });
    expect(mocFromJson(JSON.stringify(mocToJson(moc)))).toEqual(moc);
  });

  it('reads order-29 ranges (MOC 2.0 RANGE) rounded out to order 24', () => {
    const unit = 4n ** 5n;
    const moc = mocFromRanges29([[10n * unit + 1n, 12n * unit]]);
    expect(moc.order).toBe(24);
    expect([...moc.starts, ...moc.ends]).toEqual([10, 12]);
  });

  it('refuses malformed input with MOC_INVALID', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return isNightjarError(err) ? err.code : 'not a NightjarError';
      }
      return undefined;
    };
    expect(code(() => mocFromJson('{"3": [1, 2'))).toBe('MOC_INVALID');
    expect(code(() => mocFromJson('{"3": [-1]}'))).toBe('MOC_INVALID');
    expect(code(() => mocFromJson('{"1": [48]}'))).toBe('MOC_INVALID'); // order 1 has 48 cells: 0..47
    expect(code(() => mocFromFits(Buffer.from('not a fits file at all'.repeat(200))))).toBe('MOC_INVALID');
    expect(code(() => mocFromFits(read('region.fits').subarray(0, 2880 * 2 + 100)))).toBe('MOC_INVALID');
  });
});

describe('credible region of the real LVK sky map (MS181101ab)', () => {
  const { id, fits } = skymapOfLvkAlert(readFileSync(LVK_ALERT, 'utf8'));

  it('finds the multi-order sky map in the alert', () => {
    expect(id).toBe('MS181101ab');
    expect(Buffer.from(fits.subarray(0, 6)).toString('latin1')).toBe('SIMPLE');
  });

  it('derives the 90% region like mocpy (cells by density, the crossing cell included)', () => {
    const moc = credibleRegionMoc(fits, 0.9);
    expect(points.lvk90.inside.filter(Boolean).length).toBeGreaterThan(100);
    expect(disagreements(moc, points.lvk90)).toEqual([]);
    expect(skyFraction(moc)).toBeCloseTo(points.lvk90.skyFraction, 10);
    expect(mocFromJson(read('lvk90.json').toString('utf8'))).toEqual(moc);
  });

  it('gives nested regions for growing levels', () => {
    const f50 = skyFraction(credibleRegionMoc(fits, 0.5));
    const f90 = skyFraction(credibleRegionMoc(fits, 0.9));
    expect(f50).toBeGreaterThan(0);
    expect(f50).toBeLessThan(f90);
  });
});
