/**
 * Shared helpers for the filter-language tests: the real catalogue (core, survey and annotation
 * fields), the real alerts decoded by the ingest decoder, and plain alert objects for the
 * semantics table.
 */
import { readdirSync, readFileSync } from 'node:fs';
import '../../../src/alert/fields.js';
import '../../../src/annotate/fields.js';
import { lightCurveFeatures } from '../../../src/annotate/features.js';
import type { Alert } from '../../../src/alert/types.js';
import { loadConfig } from '../../../src/config/index.js';
import { AlertDecoder } from '../../../src/ingest/index.js';
import { compileNode } from '../../../src/filter/lang/compile.js';
import { validateFilter } from '../../../src/filter/lang/index.js';
import type { CallNode, Value } from '../../../src/filter/lang/types.js';

export const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;

let cached: Alert[] | undefined;

/** Every real ZTF and Rubin alert in ../shared/data, decoded and normalised by src/ingest. */
export async function realAlerts(): Promise<Alert[]> {
  if (cached) return cached;
  const decoder = new AlertDecoder({ config: loadConfig() });
  const out: Alert[] = [];
  for (const survey of ['ztf', 'lsst']) {
    for (const name of readdirSync(`${DATA}${survey}/alerts`).sort()) {
      for (const outcome of await decoder.decodeMessage(readFileSync(`${DATA}${survey}/alerts/${name}`))) if (outcome.ok) out.push(outcome.alert);
    }
  }
  cached = out;
  return out;
}

/**
 * A real alert with annotation namespaces the annotate stage would add. The light-curve features
 * are computed from the alert's real light curve; the crossmatch, anomaly score and watchlist
 * hits are deterministic stand-ins (every k-th alert), since the sample data carry none.
 */
export function annotated(alert: Alert, i: number): Alert {
  const out: Alert = { ...alert, lc: lightCurveFeatures(alert) as Record<string, unknown> };
  if (i % 3 === 0) out.xmatch = { gaia: { sep: (i % 7) * 0.4, id: `g${i}`, count: 1, ra: alert.ra, dec: alert.dec } };
  if (i % 2 === 0) out.anomaly = { score: ((i * 37) % 100) / 100, model: 'test' };
  if (i % 4 === 1) out.watchlist = { hits: [{ list: 'ana/bright', name: `src${i}`, sep: 1.2 }] };
  return out;
}

/** A plain alert for the semantics table: known values, a null, a NaN and an absent field. */
export function plainAlert(extra: Partial<Alert> & Record<string, unknown> = {}): Alert {
  return {
    survey: 'ztf', alertId: '2982177112815010003', objectId: 'ZTF17aaarzyp', mjd: 60736.5, ra: 10, dec: 20,
    band: 'r', mag: 18, magErr: null, flux: NaN, fluxErr: 2, snr: 5, isPositive: true, lightcurve: [],
    ...extra,
  } as Alert;
}

/** The value of an expression (any type) on an alert, through validation and compilation. */
export function valueOf(expression: string, alert: Alert): Value {
  const result = validateFilter(`exists(${expression})`);
  if (!result.ok || !result.ast) throw new Error(`${expression}: ${result.errors.map((e) => e.message).join('; ')}`);
  return compileNode((result.ast as CallNode).args[0]!)(alert, {});
}
