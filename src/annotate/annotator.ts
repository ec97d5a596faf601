import type { Alert } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';
import type { CatalogConfig, LoadedCatalog } from './catalogs/types.js';
import { score, type EifModel } from './eif/forest.js';
import { featureVector } from './eif/feature-vector.js';
import type { Reservoir } from './eif/reservoir.js';
import { lightCurveFeatures } from './features.js';
import { registerCatalogColumnFields } from './fields.js';
import { columnValue, stringAt } from './sky/columns.js';
import { crossmatch } from './sky/crossmatch.js';
import type { SkyIndex } from './sky/sky-index.js';
import { raDecOf } from './sky/sphere.js';

export interface AnnotatorOptions {
  catalogs: LoadedCatalog[];
  /** The current anomaly model; without one, anomaly.score and anomaly.model are null. */
  model?: EifModel;
  /** Compute light-curve features (lc.*). */
  features: boolean;
  /** Feeds each annotated alert's feature vector into a reservoir, the training set of the next model. */
  sample?: { reservoir: Reservoir; featureNames: readonly string[] };
}

export type Annotate = (alerts: Alert[]) => void;

/**
 * The annotate core: a pure, synchronous function that fills `xmatch`, `lc` and `anomaly` of
 * each alert in place, one batched crossmatch per catalog. Order matters: the anomaly features
 * may name crossmatch and light-curve fields, so they are read last.
 */
export function createAnnotator(options: AnnotatorOptions): Annotate {
  const { catalogs, model, features, sample } = options;
  if (model && !model.featureNames) throw new NightjarError('EIF_MODEL_INVALID', 'the anomaly model carries no feature names, so alerts cannot be scored');
  if (sample && sample.featureNames.length !== sample.reservoir.nFeatures) {
    throw new NightjarError('EIF_INPUT_INVALID', 'sample.featureNames does not match the reservoir width');
  }
  registerCatalogColumnFields(catalogs);
  return (alerts) => {
    if (alerts.length === 0) return;
    annotateCrossmatches(alerts, catalogs);
    for (const alert of alerts) {
      if (features) alert.lc = lightCurveFeatures(alert);
      alert.anomaly = model ? { score: score(model, featureVector(alert, model.featureNames!)), model: model.id ?? 'eif' } : { score: null, model: null };
      sample?.reservoir.offer(featureVector(alert, sample.featureNames));
    }
  };
}

function annotateCrossmatches(alerts: Alert[], catalogs: LoadedCatalog[]): void {
  if (catalogs.length === 0) return;
  const ras = Float64Array.from(alerts, (a) => a.ra);
  const decs = Float64Array.from(alerts, (a) => a.dec);
  for (const alert of alerts) alert.xmatch ??= {};
  for (const { config, index } of catalogs) annotateWithIndex(alerts, ras, decs, config, index);
}

/** Fills `xmatch.<catalog>` of each alert from a sky index of the catalog (all of it, or the part near the alerts). */
export function annotateWithIndex(alerts: Alert[], ras: Float64Array, decs: Float64Array, config: CatalogConfig, index: SkyIndex): void {
  const result = crossmatch(index, ras, decs, config.radiusArcsec);
  for (let j = 0; j < alerts.length; j++) {
    const i = result.nearest[j]!;
    const cols: Record<string, number | string | null> = {};
    for (const c of config.columns) cols[c] = i < 0 ? null : columnValue(index.columns[c]!, i);
    const position = i < 0 ? null : raDecOf(index.x[i]!, index.y[i]!, index.z[i]!);
    (alerts[j]!.xmatch ??= {})[config.name] = {
      sep: i < 0 ? null : result.sepArcsec[j]!,
      id: i < 0 ? null : stringAt(index.ids, i),
      count: result.count[j]!,
      ra: position?.ra ?? null,
      dec: position?.dec ?? null,
      cols,
    };
  }
}
