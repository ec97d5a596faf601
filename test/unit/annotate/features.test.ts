import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert, LightCurvePoint } from '../../../src/alert/types.js';
import { lightCurveFeatures } from '../../../src/annotate/features.js';
import { realAlerts } from './real-alerts.js';

const fixture = JSON.parse(readFileSync(new URL('../../reference/features/features.json', import.meta.url), 'utf8')) as {
  alerts: { alertId: string; survey: string; lc: Record<string, Record<string, unknown>> }[];
};

function expectSameFeatures(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    expect(typeof actual, where).toBe('number');
    expect(Math.abs((actual as number) - expected), `${where}: ${String(actual)} vs ${expected}`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort(), where).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectSameFeatures((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else {
    expect(actual, where).toEqual(expected);
  }
}

describe('light-curve features on real alerts', () => {
  let alerts: Alert[] = [];
  beforeAll(async () => {
    alerts = await realAlerts();
  });

  it('match the NumPy reference for every real ZTF and Rubin alert', () => {
    expect(alerts.length).toBe(fixture.alerts.length);
    for (const ref of fixture.alerts) {
      const alert = alerts.find((a) => a.alertId === ref.alertId);
      expect(alert, ref.alertId).toBeDefined();
      expectSameFeatures(lightCurveFeatures(alert!), ref.lc, `${ref.survey}:${ref.alertId}`);
    }
    // The fixture exercises multi-band colours, rates and upper limits, not just empty groups.
    const all = fixture.alerts.map((a) => a.lc);
    expect(all.filter((lc) => lc.colour?.g_r).length).toBeGreaterThan(3);
    expect(all.filter((lc) => typeof lc.all?.riseRate === 'number').length).toBeGreaterThan(1);
    expect(all.filter((lc) => typeof lc.all?.fadeRate === 'number').length).toBeGreaterThan(1);
    expect(all.some((lc) => (lc.all?.nUpperLimits as number) > 0)).toBe(true);
  });
});

const point = (mjd: number, band: 'g' | 'r', mag: number | null, kind: LightCurvePoint['kind'] = 'detection'): LightCurvePoint => ({
  mjd, band, kind, mag, magErr: 0.1, flux: null, fluxErr: null, limitMag: kind === 'upperlimit' ? 20.5 : null,
});

function alertWith(mjd: number, lightcurve: LightCurvePoint[]): Alert {
  return { survey: 'ztf', alertId: '1', objectId: 'o', mjd, ra: 1, dec: 2, band: 'g', mag: 18, magErr: 0.1, flux: null, fluxErr: null, snr: null, reliability: null, isPositive: true, lightcurve };
}

describe('light-curve feature definitions', () => {
  it('gives signs: brightening → riseRate, dmdt negative; fading → fadeRate', () => {
    const rising = lightCurveFeatures(alertWith(12, [point(10, 'g', 19), point(12, 'g', 18)]));
    expect(rising.g).toMatchObject({ dmdt: -0.5, riseRate: 0.5, fadeRate: null, latestIsBrightest: true, peakMag: 18, peakMjd: 12, amplitude: 1, daysSinceFirst: 2 });
    const fading = lightCurveFeatures(alertWith(12, [point(10, 'g', 18), point(12, 'g', 19)]));
    expect(fading.g).toMatchObject({ dmdt: 0.5, riseRate: null, fadeRate: 0.5, latestIsBrightest: false });
  });

  it('ignores points after the alert, forced photometry, and counts upper limits only', () => {
    const lc = lightCurveFeatures(alertWith(12, [point(9, 'g', null, 'upperlimit'), point(10, 'g', 19), point(11, 'g', 5, 'forced'), point(12, 'g', 18), point(13, 'g', 10)]));
    expect(lc.g).toMatchObject({ ndet: 2, nUpperLimits: 1, peakMag: 18, lastMjd: 12 });
  });

  it('uses null, never 0, for what one detection cannot define, and takes colour from the nearest pair', () => {
    const lc = lightCurveFeatures(alertWith(20, [point(10, 'r', 17.5), point(14, 'g', 18.2), point(20, 'g', 18.0)]));
    expect(lc.r).toMatchObject({ ndet: 1, dmdt: null, slope: null, std: null, amplitude: null, latestIsBrightest: true });
    expect(lc.colour?.g_r?.value).toBeCloseTo(0.7, 12);
    expect(lc.colour?.g_r?.dt).toBe(4);
    expect(lc.all?.ndet).toBe(3);
  });

  it('returns no groups for an empty light curve', () => {
    expect(lightCurveFeatures(alertWith(20, []))).toEqual({});
  });
});
