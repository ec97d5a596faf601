import type { Alert } from '../../alert/types.js';
import { NightjarError } from '../../errors/index.js';
import { train, type EifModel, type EifParams } from './forest.js';

/**
 * Feature vectors for the anomaly model, named by field-catalogue paths (e.g. `mag`,
 * `lc.all.ndet`, `lc.r.fadeRate`, `xmatch.brightstars.sep`). A value that is missing,
 * non-numeric or non-finite becomes NaN, imputed later with the training median.
 */
export function featureVector(alert: Alert, featureNames: readonly string[]): Float64Array {
  const out = new Float64Array(featureNames.length);
  for (let j = 0; j < featureNames.length; j++) out[j] = numericAt(alert, featureNames[j]!);
  return out;
}

function numericAt(alert: Alert, path: string): number {
  let value: unknown = alert;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, key)) return NaN;
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return NaN;
}

/** Per-column median of the finite values (0 for a column with none). */
export function columnMedians(X: Float64Array, nFeatures: number): Float64Array {
  const medians = new Float64Array(nFeatures);
  const rows = X.length / nFeatures;
  for (let j = 0; j < nFeatures; j++) {
    const values: number[] = [];
    for (let i = 0; i < rows; i++) {
      const v = X[i * nFeatures + j]!;
      if (Number.isFinite(v)) values.push(v);
    }
    values.sort((a, b) => a - b);
    const m = values.length >> 1;
    medians[j] = values.length === 0 ? 0 : values.length % 2 ? values[m]! : (values[m - 1]! + values[m]!) / 2;
  }
  return medians;
}

/** Trains a model on raw vectors (NaN allowed): imputes with the column medians and records names and medians in the model. */
export function trainOnFeatures(X: Float64Array, featureNames: readonly string[], options: Partial<EifParams> = {}): EifModel {
  const d = featureNames.length;
  if (d === 0) throw new NightjarError('EIF_INPUT_INVALID', 'at least one feature name is required');
  const medians = columnMedians(X, d);
  const filled = X.map((v, i) => (Number.isFinite(v) ? v : medians[i % d]!));
  const model = train(filled, d, options);
  return { ...model, featureNames: [...featureNames], medians };
}
