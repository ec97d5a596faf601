import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/annotate/random.js';
import { coneSearch, crossmatch, prepareCone } from '../../../src/annotate/sky/crossmatch.js';
import { ang2pixNest, discPixels, MAX_ORDER, queryOrderFor } from '../../../src/annotate/sky/healpix.js';
import { stringAt } from '../../../src/annotate/sky/columns.js';
import { SkyIndexBuilder, type SkyIndex } from '../../../src/annotate/sky/sky-index.js';
import { ARCSEC, raDecOf, separationArcsec, unitVector } from '../../../src/annotate/sky/sphere.js';
import { isNightjarError } from '../../../src/errors/index.js';

const EDGE_CENTRES: [number, number][] = [
  [0.01, 0],
  [359.99, 0],
  [359.999, 30],
  [0.001, -60],
  [10, 89.99],
  [190, -89.99],
  [0, 90],
  [123, -90],
  [45, 0.0001],
];
const RADII = [0.1, 1, 5, 60, 600, 3600];

/** A point at `sepArcsec` from (ra, dec) in direction `angle`, by rotating the unit vector. */
function offset(ra: number, dec: number, sepArcsec: number, angle: number): [number, number] {
  const c = unitVector(ra, dec);
  // Orthonormal basis of the tangent plane (pick a helper axis away from c).
  const h = Math.abs(c.z) < 0.9 ? { x: 0, y: 0, z: 1 } : { x: 1, y: 0, z: 0 };
  let ex = { x: h.y * c.z - h.z * c.y, y: h.z * c.x - h.x * c.z, z: h.x * c.y - h.y * c.x };
  const n = Math.hypot(ex.x, ex.y, ex.z);
  ex = { x: ex.x / n, y: ex.y / n, z: ex.z / n };
  const ey = { x: c.y * ex.z - c.z * ex.y, y: c.z * ex.x - c.x * ex.z, z: c.x * ex.y - c.y * ex.x };
  const s = sepArcsec * ARCSEC;
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const v = {
    x: Math.cos(s) * c.x + Math.sin(s) * (ca * ex.x + sa * ey.x),
    y: Math.cos(s) * c.y + Math.sin(s) * (ca * ex.y + sa * ey.y),
    z: Math.cos(s) * c.z + Math.sin(s) * (ca * ex.z + sa * ey.z),
  };
  const { ra: r, dec: d } = raDecOf(v.x, v.y, v.z);
  return [r, d];
}

interface Source {
  id: string;
  ra: number;
  dec: number;
}

/** Uniform sources plus clusters at log-uniform distances around each edge centre. */
function makeCatalog(seed: number): Source[] {
  const random = new Random(seed);
  const sources: Source[] = [];
  for (let i = 0; i < 4000; i++) sources.push({ id: `u${i}`, ra: random.next() * 360, dec: (Math.asin(2 * random.next() - 1) * 180) / Math.PI });
  for (const [ra, dec] of EDGE_CENTRES) {
    for (let i = 0; i < 150; i++) {
      const sep = 10 ** (-2 + random.next() * 6); // 0.01″ … 10,000″
      const [r, d] = offset(ra, dec, sep, random.next() * 2 * Math.PI);
      sources.push({ id: `c${sources.length}`, ra: r, dec: d });
    }
  }
  return sources;
}

function buildIndex(sources: Source[]): SkyIndex {
  const builder = new SkyIndexBuilder();
  for (const s of sources) expect(builder.add(s.ra, s.dec, s.id)).toBe(true);
  return builder.finish();
}

function bruteForce(sources: Source[], ra: number, dec: number, radius: number): { id: string | null; sep: number; count: number } {
  let best: { id: string | null; sep: number } = { id: null, sep: NaN };
  let count = 0;
  for (const s of sources) {
    const sep = separationArcsec(ra, dec, s.ra, s.dec);
    if (sep > radius) continue;
    count += 1;
    if (best.id === null || sep < best.sep) best = { id: s.id, sep };
  }
  return { ...best, count };
}

describe('crossmatch against brute force', () => {
  for (const seed of [1, 2]) {
    it(`agrees on nearest, separation and count at poles, RA wrap and random points (seed ${seed})`, () => {
      const sources = makeCatalog(seed);
      const index = buildIndex(sources);
      const random = new Random(seed + 100);
      const queries: [number, number][] = [...EDGE_CENTRES];
      for (const [ra, dec] of EDGE_CENTRES) queries.push(offset(ra, dec, 10 ** (random.next() * 3), random.next() * 6.283));
      for (let i = 0; i < 20; i++) queries.push([random.next() * 360, (Math.asin(2 * random.next() - 1) * 180) / Math.PI]);
      let matched = 0;
      for (const radius of RADII) {
        const result = crossmatch(index, Float64Array.from(queries, (q) => q[0]), Float64Array.from(queries, (q) => q[1]), radius);
        queries.forEach(([ra, dec], j) => {
          const expected = bruteForce(sources, ra, dec, radius);
          expect(result.count[j], `count at ${ra},${dec} r=${radius}`).toBe(expected.count);
          if (expected.id === null) {
            expect(result.nearest[j]).toBe(-1);
            expect(result.sepArcsec[j]).toBeNaN();
            return;
          }
          matched += 1;
          expect(stringAt(index.ids, result.nearest[j]!)).toBe(expected.id);
          expect(result.sepArcsec[j]).toBeCloseTo(expected.sep, 9);
        });
      }
      expect(matched).toBeGreaterThan(60); // the test exercises real matches, not empty cones
    });
  }

  it('finds a source across the RA wrap and over the pole', () => {
    const index = buildIndex([
      { id: 'east', ra: 359.9995, dec: 0 },
      { id: 'pole', ra: 250, dec: 89.9995 },
    ]);
    const result = crossmatch(index, Float64Array.of(0.0005, 70), Float64Array.of(0, 89.9995), 5);
    expect(stringAt(index.ids, result.nearest[0]!)).toBe('east');
    expect(result.sepArcsec[0]).toBeCloseTo(3.6, 6);
    expect(stringAt(index.ids, result.nearest[1]!)).toBe('pole');
    expect(result.sepArcsec[1]).toBeCloseTo(3.6, 6); // antipodal meridians: 0.0005° each side of the pole
  });

  it('gives no match for invalid query positions and rejects bad radii and mismatched arrays', () => {
    const index = buildIndex([{ id: 'a', ra: 10, dec: 10 }]);
    const result = crossmatch(index, Float64Array.of(NaN, 10, 400), Float64Array.of(10, 10, 0), 60);
    expect(Array.from(result.nearest)).toEqual([-1, 0, -1]);
    for (const radius of [0, -1, NaN, 1e9]) {
      expect(() => crossmatch(index, Float64Array.of(10), Float64Array.of(10), radius)).toThrow(expect.objectContaining({ code: 'XMATCH_RADIUS_INVALID' }));
    }
    try {
      crossmatch(index, Float64Array.of(10, 11), Float64Array.of(10), 1);
      expect.unreachable();
    } catch (err) {
      expect(isNightjarError(err, 'XMATCH_INPUT_INVALID')).toBe(true);
    }
  });

  it('skips invalid catalog positions at build time', () => {
    const builder = new SkyIndexBuilder();
    expect(builder.add(NaN, 0, 'x')).toBe(false);
    expect(builder.add(10, 91, 'y')).toBe(false);
    expect(builder.add(10, 20, 'z')).toBe(true);
    expect(builder.finish().size).toBe(1);
  });
});

describe('HEALPix disc query', () => {
  it('regression: a disc centred exactly on the south pole with a sub-arcsecond radius is not empty', () => {
    const c = unitVector(200, -90);
    expect(discPixels(13, c.x, c.y, c.z, 1e-3 * ARCSEC).length).toBeGreaterThan(0);
    expect(discPixels(13, c.x, c.y, c.z, 1e-3 * ARCSEC)).toContain(ang2pixNest(13, 200, -90));
  });

  it('includes the pixel of every point inside the disc (conservative), at poles and the RA wrap', () => {
    const random = new Random(9);
    for (const [ra, dec] of [...EDGE_CENTRES, [200, 41] as [number, number]]) {
      for (const radius of [0.5, 30, 400, 3600]) {
        const order = queryOrderFor(radius * ARCSEC, MAX_ORDER);
        const c = unitVector(ra, dec);
        const pixels = new Set(discPixels(order, c.x, c.y, c.z, radius * ARCSEC));
        expect(pixels.size).toBeLessThan(40);
        for (let i = 0; i < 300; i++) {
          const [r, d] = offset(ra, dec, radius * Math.sqrt(random.next()), random.next() * 2 * Math.PI);
          expect(pixels.has(ang2pixNest(order, r, d)), `${r},${d} in disc ${ra},${dec} r=${radius}`).toBe(true);
        }
      }
    }
  });
});

describe('separations against astropy', () => {
  const fixture = JSON.parse(readFileSync(new URL('../../reference/xmatch/separations.json', import.meta.url), 'utf8')) as {
    pairs: { ra1: number; dec1: number; ra2: number; dec2: number; sepArcsec: number }[];
  };

  it('matches SkyCoord.separation to 1e-6 relative (or 1e-9 arcsec absolute)', () => {
    expect(fixture.pairs.length).toBeGreaterThan(150);
    let worst = 0;
    for (const p of fixture.pairs) {
      const sep = separationArcsec(p.ra1, p.dec1, p.ra2, p.dec2);
      const error = Math.abs(sep - p.sepArcsec);
      expect(error, JSON.stringify(p)).toBeLessThanOrEqual(Math.max(1e-6 * p.sepArcsec, 1e-9));
      worst = Math.max(worst, error / p.sepArcsec);
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('reports the same separation through an index lookup', () => {
    const pairs = fixture.pairs.filter((p) => p.sepArcsec <= 3600);
    for (const p of pairs) {
      const index = buildIndex([{ id: 'x', ra: p.ra2, dec: p.dec2 }]);
      const hit = coneSearch(index, prepareCone(index, Math.max(1e-3, p.sepArcsec * 1.01)), p.ra1, p.dec1);
      expect(hit.nearest).toBe(0);
      expect(Math.abs(hit.sepArcsec - p.sepArcsec)).toBeLessThanOrEqual(Math.max(1e-6 * p.sepArcsec, 1e-9));
    }
  });
});

describe('ang2pixNest', () => {
  // Points exactly on a pixel edge or vertex (RA 0 at the equator, the poles) may go either way;
  // there the brute-force crossmatch tests above are the check.
  it('agrees with @hscmap/healpix at every order for random points, also within 4″ of the poles', async () => {
    const { ang2pix_nest, order2nside } = await import('@hscmap/healpix');
    const random = new Random(21);
    const points: [number, number][] = [];
    for (let i = 0; i < 20_000; i++) points.push([random.next() * 360, (Math.asin(2 * random.next() - 1) * 180) / Math.PI]);
    // Within 0.036″–3.6″ of the poles; closer still, the library's 1 − z loses the digits it needs (see the next test).
    for (let i = 0; i < 2_000; i++) {
      const off = 1e-5 + random.next() * 1e-3;
      points.push([random.next() * 360, 90 - off], [random.next() * 360, -90 + off]);
    }
    for (const order of [0, 1, 5, 10, 13]) {
      let differ = 0;
      for (const [ra, dec] of points) {
        const theta = Math.PI / 2 - (dec * Math.PI) / 180;
        const phi = ((ra % 360) * Math.PI) / 180;
        if (ang2pixNest(order, ra, dec) !== ang2pix_nest(order2nside(order), theta, phi)) differ += 1;
      }
      expect(differ, `order ${order}`).toBe(0);
    }
  });

  it('keeps points a few milliarcseconds from a pole in the base pixel of their RA quadrant', () => {
    for (const [ra, face] of [[10, 0], [100, 1], [200, 2], [337.08, 3]] as const) {
      expect(Math.floor(ang2pixNest(13, ra, 89.9999999) / 4 ** 13)).toBe(face);
      expect(Math.floor(ang2pixNest(13, ra, -89.9999999) / 4 ** 13)).toBe(face + 8);
    }
  });
});
