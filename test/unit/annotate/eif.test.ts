import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { averagePathLength, score, train } from '../../../src/annotate/eif/forest.js';
import { deserialize, serialize } from '../../../src/annotate/eif/serialize.js';
import { Random } from '../../../src/annotate/random.js';

interface Dataset {
  name: string;
  nFeatures: number;
  extensionLevel: number;
  nTrees: number;
  sampleSize: number;
  X: number[];
  outliers: number[];
  scores: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../reference/eif/eif-reference.json', import.meta.url), 'utf8')) as { datasets: Dataset[] };

function ranks(values: number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const r = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    for (let k = i; k <= j; k++) r[order[k]![1]] = (i + j) / 2;
    i = j + 1;
  }
  return r;
}

function spearman(a: number[], b: number[]): number {
  const [ra, rb] = [ranks(a), ranks(b)];
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i]! - mean) * (rb[i]! - mean);
    da += (ra[i]! - mean) ** 2;
    db += (rb[i]! - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}

function scoresOf(ds: Dataset, seed: number): number[] {
  const X = Float64Array.from(ds.X);
  const model = train(X, ds.nFeatures, { nTrees: ds.nTrees, sampleSize: ds.sampleSize, extensionLevel: ds.extensionLevel, seed });
  const rows = ds.X.length / ds.nFeatures;
  return Array.from({ length: rows }, (_, i) => score(model, X.subarray(i * ds.nFeatures, (i + 1) * ds.nFeatures)));
}

describe('Extended Isolation Forest against the eif package', () => {
  for (const ds of fixture.datasets) {
    it(`${ds.name}: rank correlation ≥ 0.95 with eif's scores and the planted outliers score highest, for several seeds`, () => {
      for (const seed of [1, 2, 3]) {
        const scores = scoresOf(ds, seed);
        expect(spearman(scores, ds.scores), `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
        const top = scores.map((s, i) => [s, i] as const).sort((a, b) => b[0] - a[0]).slice(0, ds.outliers.length).map(([, i]) => i);
        expect(top.sort((a, b) => a - b)).toEqual(ds.outliers);
        const meanAbs = scores.reduce((s, v, i) => s + Math.abs(v - ds.scores[i]!), 0) / scores.length;
        expect(meanAbs, 'scores on the same scale as eif').toBeLessThan(0.02);
      }
    });
  }
});

describe('EIF model', () => {
  const random = new Random(4);
  const X = Float64Array.from({ length: 300 * 3 }, () => random.gaussian());

  it('is deterministic for a seed and differs between seeds', () => {
    const a = train(X, 3, { nTrees: 20, seed: 7 });
    const b = train(X, 3, { nTrees: 20, seed: 7 });
    const c = train(X, 3, { nTrees: 20, seed: 8 });
    expect(Array.from(a.bias)).toEqual(Array.from(b.bias));
    expect(score(a, [5, 5, 5])).toBe(score(b, [5, 5, 5]));
    expect(score(a, [0.1, 0.2, 0.3])).not.toBe(score(c, [0.1, 0.2, 0.3]));
  });

  it('uses extensionLevel + 1 non-zero normal components', () => {
    for (const extensionLevel of [0, 1, 2]) {
      const model = train(X, 3, { nTrees: 5, extensionLevel, seed: 1 });
      for (let k = 0; k < model.left.length; k++) {
        if (model.left[k]! < 0) continue;
        const nonZero = Array.from(model.normals.subarray(k * 3, k * 3 + 3)).filter((v) => v !== 0).length;
        expect(nonZero).toBe(extensionLevel + 1);
      }
    }
  });

  it('limits depth to ceil(log2 ψ) and uses ψ = min(sampleSize, rows)', () => {
    const model = train(X.subarray(0, 100 * 3), 3, { nTrees: 3, sampleSize: 256, seed: 1 });
    expect(model.psi).toBe(100);
    expect(model.depthLimit).toBe(7);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(256)).toBeCloseTo(10.2447, 3);
  });

  it('round-trips through serialize/deserialize with identical scores', () => {
    const model = train(X, 3, { nTrees: 30, seed: 3 });
    model.featureNames = ['a', 'b', 'c'];
    model.medians = Float64Array.of(0.1, 0.2, 0.3);
    const restored = deserialize(serialize(model));
    expect(restored.featureNames).toEqual(['a', 'b', 'c']);
    for (const x of [[0, 0, 0], [4, -4, 1], [NaN, 1, 2]]) expect(score(restored, x)).toBe(score(model, x));
    expect(score(model, [NaN, 1, 2])).toBe(score(model, [0.1, 1, 2]));
  });

  it('rejects bad training input and malformed models with catalogue errors', () => {
    expect(() => train(Float64Array.of(1, 2, 3), 2)).toThrow(expect.objectContaining({ code: 'EIF_INPUT_INVALID' }));
    expect(() => train(Float64Array.of(1, NaN), 2)).toThrow(expect.objectContaining({ code: 'EIF_INPUT_INVALID' }));
    expect(() => train(X, 3, { extensionLevel: 3 })).toThrow(expect.objectContaining({ code: 'EIF_INPUT_INVALID' }));
    expect(() => score(train(X, 3, { nTrees: 2 }), [1, 2])).toThrow(expect.objectContaining({ code: 'EIF_INPUT_INVALID' }));
    expect(() => deserialize(Buffer.from('{"version":99}'))).toThrow(expect.objectContaining({ code: 'EIF_MODEL_INVALID' }));
    expect(() => deserialize(Buffer.from('not json'))).toThrow(expect.objectContaining({ code: 'EIF_MODEL_INVALID' }));
    const good = JSON.parse(serialize(train(X, 3, { nTrees: 2 })).toString()) as Record<string, unknown>;
    expect(() => deserialize(Buffer.from(JSON.stringify({ ...good, left: good.right, size: 'AAAA' })))).toThrow(expect.objectContaining({ code: 'EIF_MODEL_INVALID' }));
  });
});
