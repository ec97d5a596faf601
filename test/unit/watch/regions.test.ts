import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/annotate/random.js';
import { separationArcsec } from '../../../src/annotate/sky/sphere.js';
import { coneRegion, polygonRegion, regionOf, mocSpec } from '../../../src/annotate/watch/regions.js';
import { mocFromCells } from '../../../src/annotate/watch/moc.js';
import { isNightjarError } from '../../../src/errors/index.js';

function randomPoints(n: number, seed: number): [number, number][] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => [rng.next() * 360, (Math.asin(2 * rng.next() - 1) * 180) / Math.PI]);
}

function near(ra: number, dec: number, spread: number, n: number, seed: number): [number, number][] {
  const rng = new Random(seed);
  return Array.from({ length: n }, () => {
    const d = Math.max(-90, Math.min(90, dec + (rng.next() * 2 - 1) * spread));
    const r = (((ra + ((rng.next() * 2 - 1) * spread) / Math.max(Math.cos((d * Math.PI) / 180), 0.05)) % 360) + 360) % 360;
    return [r, d];
  });
}

describe('cone regions', () => {
  const cases: [number, number, number][] = [
    [0.5, 10, 3600], // crosses RA 0
    [359.8, -20, 1800],
    [42, 89.9, 1800], // contains the north pole
    [200, -90, 7200], // centred on the south pole
    [100, 0, 180 * 3600], // the whole sky
  ];
  it.each(cases)('agrees with the exact separation around (%f, %f) r=%f″', (ra, dec, radius) => {
    const region = coneRegion(ra, dec, radius);
    const pts = [...near(ra, dec, (radius / 3600) * 2, 2_000, 7), ...randomPoints(500, 8)];
    for (const [r, d] of pts) expect(region.contains(r, d)).toBe(separationArcsec(ra, dec, r, d) <= radius);
  });

  it('refuses a bad centre or radius', () => {
    expect(() => coneRegion(-1, 0, 10)).toThrow(/cone centre/);
    expect(() => coneRegion(10, 0, 0)).toThrow(/radius/);
  });
});

describe('polygon regions', () => {
  it('contains a square straddling RA 0 (either vertex order) and nothing outside it', () => {
    const square: [number, number][] = [
      [358, -2],
      [2, -2],
      [2, 2],
      [358, 2],
    ];
    for (const vertices of [square, [...square].reverse()]) {
      const region = polygonRegion(vertices);
      expect(region.contains(0, 0)).toBe(true);
      expect(region.contains(359.5, 1.5)).toBe(true);
      expect(region.contains(1.9, -1.9)).toBe(true);
      expect(region.contains(3, 0)).toBe(false);
      expect(region.contains(357, 0)).toBe(false);
      expect(region.contains(180, 0)).toBe(false); // the antipode side
      expect(region.contains(0, 2.5)).toBe(false);
    }
  });

  it('contains the pole when its vertices surround it', () => {
    const cap = polygonRegion([
      [0, 80],
      [90, 80],
      [180, 80],
      [270, 80],
    ]);
    expect(cap.contains(123, 90)).toBe(true);
    expect(cap.contains(45, 85)).toBe(true);
    expect(cap.contains(45, 75)).toBe(false);
    expect(cap.contains(0, -90)).toBe(false);
    // Great-circle edges bulge poleward of dec 80 between vertices: the midpoint of an edge is
    // at dec ≈ 82.9°, so a point at dec 81 midway between two vertices is outside.
    expect(cap.contains(45, 81)).toBe(false);
    expect(cap.contains(45, 83.5)).toBe(true);
  });

  it('handles a non-convex (L-shaped) polygon', () => {
    const l = polygonRegion([
      [10, 0],
      [14, 0],
      [14, 1],
      [11, 1],
      [11, 4],
      [10, 4],
    ]);
    expect(l.contains(10.5, 3)).toBe(true);
    expect(l.contains(13, 0.5)).toBe(true);
    expect(l.contains(13, 3)).toBe(false); // in the notch
    expect(l.contains(9.5, 2)).toBe(false);
  });

  it('agrees with a cone for a many-sided polygon inscribed in it', () => {
    // Vertices on a 1° circle around (300, -45): every point well inside the circle's inner
    // polygon is inside, every point outside the circle is outside.
    const centre: [number, number] = [300, -45];
    const vertices: [number, number][] = [];
    for (let k = 0; k < 72; k++) {
      const a = (k / 72) * 2 * Math.PI;
      const dec = -45 + Math.sin(a);
      vertices.push([300 + Math.cos(a) / Math.cos((dec * Math.PI) / 180), dec]);
    }
    const region = polygonRegion(vertices);
    for (const [r, d] of near(centre[0], centre[1], 2, 3_000, 11)) {
      const sep = separationArcsec(centre[0], centre[1], r, d);
      if (sep < 3_400) expect(region.contains(r, d)).toBe(true);
      if (sep > 3_700) expect(region.contains(r, d)).toBe(false);
    }
  });

  it('refuses polygons that are too small, too large or have bad vertices', () => {
    const code = (fn: () => unknown): string | undefined => {
      try {
        fn();
      } catch (err) {
        return isNightjarError(err) ? err.code : 'other';
      }
      return undefined;
    };
    expect(code(() => polygonRegion([[0, 0], [1, 1]]))).toBe('WATCHMAP_INVALID');
    expect(code(() => polygonRegion([[0, 0], [120, 0], [240, 0]]))).toBe('WATCHMAP_INVALID');
    expect(code(() => polygonRegion([[0, 0], [1, 95], [2, 0]]))).toBe('WATCHMAP_INVALID');
  });
});

describe('region specs as published', () => {
  it('round-trip a MOC through its base64 ranges', () => {
    const moc = mocFromCells([{ order: 3, ipix: 17n }, { order: 5, ipix: 1000n }]);
    const region = regionOf(JSON.parse(JSON.stringify(mocSpec(moc))));
    const inside = regionOf({ type: 'cone', ra: 0, dec: 0, radius: 1 });
    expect(inside.contains(0, 0)).toBe(true);
    let count = 0;
    for (const [r, d] of randomPoints(20_000, 3)) if (region.contains(r, d)) count += 1;
    // 1/768 + 1/12288 of the sky ≈ 0.00138.
    expect(count / 20_000).toBeGreaterThan(0.0007);
    expect(count / 20_000).toBeLessThan(0.0025);
  });

  it('refuses an empty MOC', () => {
    expect(() => mocSpec(mocFromCells([]))).toThrow(/covers no sky/);
  });
});
