import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/types.js';
import { score } from '../../../src/annotate/eif/forest.js';
import { AnomalyTrainer, fromModelRecord, modelLabel, toModelRecord } from '../../../src/annotate/models.js';
import { loadConfig } from '../../../src/config/index.js';

const config = loadConfig({
  env: {},
  overrides: { anomaly: { features: ['mag', 'snr'], minAlerts: 50, retrainEveryAlerts: 100, retrainMinutes: 5, reservoirSize: 500, trees: 50, sampleSize: 64 } },
});

function alert(mag: number, snr: number): Alert {
  return { survey: 'ztf', alertId: '1', objectId: 'ZTF1', mjd: 60000, ra: 1, dec: 1, band: 'r', mag, magErr: 0.1, flux: null, fluxErr: null, snr, reliability: null, isPositive: true, lightcurve: [] };
}

describe('AnomalyTrainer', () => {
  it('waits for minAlerts before the first model, then retrains by count or time', () => {
    const trainer = new AnomalyTrainer(config, 0);
    for (let i = 0; i < 49; i++) trainer.offer(alert(18 + (i % 7) * 0.1, 10 + (i % 5)));
    expect(trainer.due(0, false)).toBe(false);
    trainer.offer(alert(18, 10));
    expect(trainer.due(0, false)).toBe(true);
    trainer.train(1, 1_000);
    expect(trainer.due(1_000, true)).toBe(false);
    for (let i = 0; i < 100; i++) trainer.offer(alert(18, 10));
    expect(trainer.due(2_000, true)).toBe(true); // 100 new alerts
    trainer.train(2, 2_000);
    expect(trainer.due(2_000 + 5 * 60_000 - 1, true)).toBe(false);
    expect(trainer.due(2_000 + 5 * 60_000, true)).toBe(true); // 5 minutes
  });

  it('trains a model whose serialized record scores like the original, and an outlier high', () => {
    const trainer = new AnomalyTrainer(config, 0);
    for (let i = 0; i < 400; i++) trainer.offer(alert(18 + (((i * 37) % 11) - 5) * 0.06, 10 + (((i * 53) % 13) - 6) / 3)); // a dense blob around (18, 10)
    const model = trainer.train(3, 0);
    const record = toModelRecord(model, 3, trainer.sampled, new Date(0));
    expect(record.featureNames).toEqual(['mag', 'snr']);
    const live = fromModelRecord(JSON.parse(JSON.stringify(record)));
    expect(live.version).toBe(3);
    expect(live.model.id).toBe(modelLabel({ name: 'eif', version: 3 }));
    const normal = [18, 10];
    const outlier = [25, 200];
    expect(score(live.model, normal)).toBeCloseTo(score(model, normal), 12);
    expect(score(live.model, outlier)).toBeGreaterThan(score(live.model, normal) + 0.1);
  });
});
