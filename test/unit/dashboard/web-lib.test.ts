import { describe, expect, it } from 'vitest';
// The dashboard's browser modules that need no DOM, tested as they are served.
import { complete, wordAt } from '../../../web/lib/completion.js';
import { galacticPlane, mollweide } from '../../../web/lib/projection.js';
import { compileQuickFilter } from '../../../web/lib/quickfilter.js';
import { lightCurveData } from '../../../web/lib/lightcurve-data.js';

describe('sky projection', () => {
  it('puts RA 180 at the centre, the poles at ±√2, and RA growing to the left', () => {
    expect(mollweide(180, 0).x).toBeCloseTo(0, 9);
    expect(mollweide(180, 90).y).toBeCloseTo(Math.SQRT2, 6);
    expect(mollweide(180, -90).y).toBeCloseTo(-Math.SQRT2, 6);
    expect(mollweide(0.0001, 0).x).toBeCloseTo(2 * Math.SQRT2, 3);
    expect(mollweide(200, 10).x).toBeLessThan(mollweide(190, 10).x);
    // Equal-area: the parallel at 30° sits where 2θ + sin 2θ = π sin 30°.
    const { y } = mollweide(180, 30);
    const theta = Math.asin(y / Math.SQRT2);
    expect(2 * theta + Math.sin(2 * theta)).toBeCloseTo(Math.PI * 0.5, 8);
  });

  it('draws the galactic plane through the galactic centre (l = 0: RA 266.40, Dec −28.94)', () => {
    const centre = galacticPlane(1)[0]!;
    expect(centre.ra).toBeCloseTo(266.405, 1);
    expect(centre.dec).toBeCloseTo(-28.936, 1);
  });
});

describe('live feed quick filter', () => {
  const item = (alert: Record<string, unknown>, filter: { id: string } | null = null) => ({ alert, filter });
  const a = item({ alertId: '1', objectId: 'ZTF18abc', survey: 'ztf', band: 'r', mag: 17.5, anomaly: { score: 0.7 } });
  const b = item({ alertId: '2', objectId: '3141', survey: 'lsst', band: 'g', mag: 19.1, anomaly: null }, { id: 'bright' });

  it('matches words against ids, surveys and filter ids, and compares fields', () => {
    expect([a, b].filter(compileQuickFilter('ztf18'))).toEqual([a]);
    expect([a, b].filter(compileQuickFilter('bright'))).toEqual([b]);
    expect([a, b].filter(compileQuickFilter('mag<18'))).toEqual([a]);
    expect([a, b].filter(compileQuickFilter('band=g mag>=19.1'))).toEqual([b]);
    expect([a, b].filter(compileQuickFilter('anomaly.score>0.6'))).toEqual([a]);
    expect([a, b].filter(compileQuickFilter(''))).toEqual([a, b]);
  });
});

describe('expression completion', () => {
  const entries = ['mag', 'magErr', 'anomaly.score', 'anomaly.model', 'ztf.candidate.magpsf', 'lc.r.peakMag'].map((text) => ({ kind: 'field', text, def: {} }));

  it('finds the word before the cursor, but not inside a string', () => {
    expect(wordAt('mag < 18 and anomaly.sc', 23)).toEqual({ word: 'anomaly.sc', start: 13 });
    expect(wordAt('survey == "zt', 13)).toBeNull();
    expect(wordAt('mag < ', 6)).toBeNull();
  });

  it('offers prefix matches first (shallower paths first), then paths containing the word, never a keyword', () => {
    expect(complete(entries, 'ma').map((e) => e.text)).toEqual(['mag', 'magErr', 'anomaly.model', 'anomaly.score', 'lc.r.peakMag', 'ztf.candidate.magpsf']);
    expect(complete(entries, 'anomaly.s').map((e) => e.text)).toEqual(['anomaly.score']);
    expect(complete(entries, 'and')).toEqual([]);
  });
});

describe('light curve series', () => {
  it('aligns points on one MJD axis, one series per band and kind; upper limits at the limiting magnitude', () => {
    const points = [
      { mjd: 1, band: 'g', kind: 'detection', mag: 18, magErr: 0.1, flux: 100, fluxErr: 5, limitMag: 20 },
      { mjd: 2, band: 'r', kind: 'upperlimit', mag: null, magErr: null, flux: null, fluxErr: null, limitMag: 20.5 },
      { mjd: 3, band: 'g', kind: 'forced', mag: null, magErr: null, flux: -20, fluxErr: 8, limitMag: null },
      { mjd: 3, band: 'g', kind: 'detection', mag: 17.8, magErr: 0.05, flux: 120, fluxErr: 5, limitMag: 20 },
    ];
    const mag = lightCurveData(points, 'mag');
    expect(mag.xs).toEqual([1, 2, 3]);
    expect(mag.series.map((s: { band: string; kind: string }) => `${s.band} ${s.kind}`)).toEqual(['g detection', 'r upperlimit']);
    expect(mag.series[0].ys).toEqual([18, null, 17.8]);
    expect(mag.series[1].ys).toEqual([null, 20.5, null]);
    expect(mag.counts).toEqual({ detection: 2, forced: 0, upperlimit: 1 });
    // In flux, forced photometry with a negative flux counts; upper limits have no flux.
    const flux = lightCurveData(points, 'flux');
    expect(flux.series.map((s: { band: string; kind: string }) => `${s.band} ${s.kind}`)).toEqual(['g detection', 'g forced']);
    expect(flux.counts).toEqual({ detection: 2, forced: 1, upperlimit: 0 });
  });
});
