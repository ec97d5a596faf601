import { beforeAll, describe, expect, it } from 'vitest';
import { allFields, lookupField } from '../../../src/alert/catalogue.js';
import type { Alert } from '../../../src/alert/types.js';
import { createAnnotator } from '../../../src/annotate/annotator.js';
import { brightStarsCatalog } from '../../../src/annotate/catalogs/bright-stars.js';
import { loadCatalog } from '../../../src/annotate/catalogs/load.js';
import type { LoadedCatalog } from '../../../src/annotate/catalogs/types.js';
import { featureVector, trainOnFeatures } from '../../../src/annotate/eif/feature-vector.js';
import { Reservoir } from '../../../src/annotate/eif/reservoir.js';
import { SkyIndexBuilder } from '../../../src/annotate/sky/sky-index.js';
import { separationArcsec } from '../../../src/annotate/sky/sphere.js';
import { realAlerts } from './real-alerts.js';

let alerts: Alert[];
let stars: LoadedCatalog;
let nearby: LoadedCatalog;

beforeAll(async () => {
  alerts = await realAlerts();
  stars = await loadCatalog(brightStarsCatalog());
  // A catalog with a source 1.5″ north of the first real alert and one far away.
  const builder = new SkyIndexBuilder(['kind']);
  builder.add(alerts[0]!.ra, alerts[0]!.dec + 1.5 / 3600, 'N1', ['galaxy']);
  builder.add(10, 10, 'far', ['star']);
  nearby = {
    config: { name: 'nearby', file: '-', format: 'csv', idColumn: 'id', raColumn: 'ra', decColumn: 'dec', columns: ['kind'], radiusArcsec: 3 },
    index: builder.finish(),
    skippedRows: 0,
    fromCache: false,
  };
});

describe('annotator', () => {
  it('fills xmatch, lc and a null anomaly on real alerts', () => {
    const annotate = createAnnotator({ catalogs: [stars, nearby], features: true });
    annotate(alerts);
    const [first, second] = alerts;
    expect(first!.xmatch!.nearby).toMatchObject({ id: 'N1', count: 1, cols: { kind: 'galaxy' } });
    expect((first!.xmatch!.nearby as { sep: number }).sep).toBeCloseTo(1.5, 6);
    expect(second!.xmatch!.nearby).toEqual({ sep: null, id: null, count: 0, ra: null, dec: null, cols: { kind: null } });
    for (const a of alerts) {
      expect(a.xmatch!.brightstars).toHaveProperty('count');
      expect(a.anomaly).toEqual({ score: null, model: null });
      expect(a.lc!.all).toBeDefined();
    }
  });

  it('reports a bright star near an alert placed beside Betelgeuse, with its catalogue position', () => {
    const alert: Alert = { ...alerts[0]!, ra: 88.7929, dec: 7.4071 + 20 / 3600, xmatch: undefined, lc: undefined };
    createAnnotator({ catalogs: [stars], features: false })([alert]);
    const hit = alert.xmatch!.brightstars as { id: string; sep: number; ra: number; dec: number; cols: Record<string, unknown> };
    expect(hit.id).toBe('2061');
    expect(hit.cols.name).toBe('Betelgeuse');
    expect(separationArcsec(alert.ra, alert.dec, hit.ra, hit.dec)).toBeCloseTo(hit.sep, 9);
    expect(alert.lc).toBeUndefined();
  });

  it('scores with a model trained from sampled alert features, and registers the catalogue fields', () => {
    const featureNames = ['mag', 'lc.all.ndet', 'lc.all.amplitude', 'lc.all.daysSinceFirst', 'xmatch.brightstars.sep'];
    const reservoir = new Reservoir(64, featureNames.length, 3);
    createAnnotator({ catalogs: [stars], features: true, sample: { reservoir, featureNames } })(alerts);
    expect(reservoir.size).toBe(alerts.length);
    const model = { ...trainOnFeatures(reservoir.sample(), featureNames, { nTrees: 50, sampleSize: 16, seed: 2 }), id: 'test-model' };
    expect(Array.from(model.medians!).every(Number.isFinite)).toBe(true);
    const annotate = createAnnotator({ catalogs: [stars], model, features: true });
    annotate(alerts);
    for (const a of alerts) {
      const anomaly = a.anomaly as { score: number; model: string };
      expect(anomaly.model).toBe('test-model');
      expect(anomaly.score).toBeGreaterThan(0);
      expect(anomaly.score).toBeLessThan(1);
    }
    expect(Array.from(featureVector(alerts[0]!, featureNames)).slice(0, 2)).toEqual([alerts[0]!.mag, (alerts[0]!.lc!.all as { ndet: number }).ndet]);

    expect(lookupField('xmatch.gaia.sep')).toMatchObject({ unit: 'arcsec', type: 'number' });
    expect(lookupField('lc.r.riseRate')).toMatchObject({ unit: 'mag/day' });
    expect(lookupField('lc.all.ndet')?.type).toBe('integer');
    expect(lookupField('lc.q.ndet')).toBeUndefined();
    expect(lookupField('lc.colour.g_r.value')?.unit).toBe('mag');
    expect(lookupField('anomaly.score')).toBeDefined();
    expect(lookupField('xmatch.brightstars.cols.vmag')?.type).toBe('number');
    expect(lookupField('xmatch.brightstars.cols.name')?.type).toBe('string');
    for (const f of allFields().filter((d) => d.group.startsWith('annotate'))) {
      expect(f.surveys).toEqual(['ztf', 'lsst']);
      expect(f.description.length).toBeGreaterThan(10);
      expect(f.example).not.toBeUndefined();
    }
  });

  it('rejects a model without feature names', async () => {
    const { train } = await import('../../../src/annotate/eif/forest.js');
    const model = train(Float64Array.of(1, 2, 3, 4), 1, { nTrees: 1 });
    expect(() => createAnnotator({ catalogs: [], model, features: true })).toThrow(expect.objectContaining({ code: 'EIF_MODEL_INVALID' }));
  });
});

describe('reservoir', () => {
  it('keeps a uniform sample of a long stream in fixed memory', () => {
    const reservoir = new Reservoir(100, 1, 5);
    for (let i = 0; i < 10_000; i++) reservoir.offer([i]);
    const sample = Array.from(reservoir.sample());
    expect(sample).toHaveLength(100);
    expect(new Set(sample).size).toBe(100);
    const mean = sample.reduce((s, v) => s + v, 0) / 100;
    expect(mean).toBeGreaterThan(3500); // uniform over 0..9999: mean 5000, sd of the mean ≈ 290
    expect(mean).toBeLessThan(6500);
    expect(() => reservoir.offer([1, 2])).toThrow(expect.objectContaining({ code: 'EIF_INPUT_INVALID' }));
  });
});
