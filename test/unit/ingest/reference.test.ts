import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/types.js';
import { newDecoder, okAlerts, realFiles } from './support.js';

/**
 * test/reference/alerts.json is computed independently with fastavro and the rules of
 * docs/alert-model.md (python3 test/reference/make_reference.py).
 */
interface Reference {
  file: string;
  index: number;
  survey: string;
  alertId: string;
  objectId: string;
  mjd: number;
  ra: number;
  dec: number;
  band: string | null;
  mag: number | null;
  magErr: number | null;
  flux: number | null;
  isPositive: boolean | null;
  lightcurve: Record<'detection' | 'upperlimit' | 'forced', number>;
}

const reference = JSON.parse(readFileSync(new URL('../../reference/alerts.json', import.meta.url), 'utf8')) as Reference[];

function expectClose(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) return void expect(actual, what).toBeNull();
  expect(actual, what).not.toBeNull();
  expect(Math.abs(actual! - expected), what).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

function counts(alert: Alert): Reference['lightcurve'] {
  const out = { detection: 0, upperlimit: 0, forced: 0 };
  for (const point of alert.lightcurve) out[point.kind] += 1;
  return out;
}

describe('decoder against the fastavro reference', () => {
  it('covers every record of every real file', () => {
    expect(reference.length).toBe(25);
  });

  it('matches every record: ids exactly, floats to 1e-9 relative, light-curve points per kind', async () => {
    const decoder = newDecoder();
    let compared = 0;
    for (const { file, bytes } of realFiles()) {
      const alerts = okAlerts(await decoder.decodeMessage(bytes));
      const expected = reference.filter((r) => r.file === file);
      expect(alerts.length, file).toBe(expected.length);
      for (const ref of expected) {
        const alert = alerts[ref.index]!;
        const what = `${file}#${ref.index}`;
        expect({ survey: alert.survey, alertId: alert.alertId, objectId: alert.objectId, band: alert.band, isPositive: alert.isPositive }, what).toEqual({
          survey: ref.survey,
          alertId: ref.alertId,
          objectId: ref.objectId,
          band: ref.band,
          isPositive: ref.isPositive,
        });
        for (const key of ['mjd', 'ra', 'dec', 'mag', 'magErr', 'flux'] as const) expectClose(alert[key], ref[key], `${what} ${key}`);
        expect(counts(alert), what).toEqual(ref.lightcurve);
        compared++;
      }
    }
    expect(compared).toBe(reference.length);
  });
});
