import { describe, expect, it } from 'vitest';
import { coneBox, separationDeg, skyZone, ZONE_COUNT } from '../../../src/sink/sky.js';

function inBox(box: ReturnType<typeof coneBox>, ra: number, dec: number): boolean {
  return dec >= box.decLo && dec <= box.decHi && skyZone(dec) >= box.zoneLo && skyZone(dec) <= box.zoneHi && box.raRanges.some((r) => ra >= r.lo && ra <= r.hi);
}

describe('sky zones and cone boxes', () => {
  it('files the poles in the first and last zone', () => {
    expect(skyZone(-90)).toBe(0);
    expect(skyZone(90)).toBe(ZONE_COUNT - 1);
    expect(skyZone(0)).toBe(ZONE_COUNT / 2);
  });

  it('splits the RA range of a cone that crosses RA 0/360', () => {
    const box = coneBox(359.9999, 10, 1 / 3600);
    expect(box.raRanges).toHaveLength(2);
    expect(inBox(box, 0.0001, 10)).toBe(true);
    expect(inBox(box, 359.9998, 10)).toBe(true);
    expect(inBox(box, 180, 10)).toBe(false);
  });

  it('spans all RA when the cone contains a pole', () => {
    expect(coneBox(100, 89.9999, 0.001).raRanges).toEqual([{ lo: 0, hi: 360 }]);
    expect(coneBox(100, -89.9995, 0.001).raRanges).toEqual([{ lo: 0, hi: 360 }]);
  });

  it('contains every point of the cone (sampled on its edge, at many positions)', () => {
    const radius = 30 / 3600;
    for (const [ra, dec] of [[0, 0], [359.999, 45], [180, -89.9], [12.3, 89.95], [295.3031995, -10.3958989]] as const) {
      const box = coneBox(ra, dec, radius);
      for (let k = 0; k < 360; k += 5) {
        // A point at exactly the radius, by bearing k, from the spherical direct formula.
        const [pra, pdec] = destination(ra, dec, radius, k);
        expect(Math.abs(separationDeg(ra, dec, pra, pdec) - radius) * 3600).toBeLessThan(1e-6);
        expect(inBox(box, pra, pdec)).toBe(true);
      }
    }
  });

  it('measures separations exactly at the arcsecond scale and at large angles', () => {
    // 1 arcsec along RA at dec 60 is cos(60) arcsec; the poles are 180 deg apart.
    expect(separationDeg(10, 60, 10 + 1 / 3600, 60) * 3600).toBeCloseTo(Math.cos(Math.PI / 3), 9);
    expect(separationDeg(0, -90, 123, 90)).toBeCloseTo(180, 12);
    expect(separationDeg(359.9999, 0, 0.0001, 0) * 3600).toBeCloseTo(0.72, 9);
  });
});

function destination(ra: number, dec: number, distDeg: number, bearingDeg: number): [number, number] {
  const r = Math.PI / 180;
  const [d, b, phi1, l1] = [distDeg * r, bearingDeg * r, dec * r, ra * r];
  const phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(b));
  const l2 = l1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(phi1), Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
  return [(((l2 / r) % 360) + 360) % 360, phi2 / r];
}
