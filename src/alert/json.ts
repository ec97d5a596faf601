/**
 * The normalised Alert as JSON (the enriched topic, per-user topics, `nightjar decode`): ids are
 * already exact decimal strings, missing values are null, cutouts become base64 strings of their
 * bytes as the survey sent them (ZTF: gzip-compressed FITS). The JSON Schema of this output is generated from the field catalogue
 * (src/alert/json-schema.ts).
 */
import type { Alert, Cutouts } from './types.js';

export interface AlertJsonOptions {
  /**
   * Include the light curve (default true). Without it the survey record (`ztf` / `lsst`) also
   * leaves out its history (SURVEY_HISTORY_FIELDS), which is the light curve in the survey's
   * own form and most of the record's size.
   */
  lightcurve?: boolean;
  /** Include the cutouts when the alert has them (default true). */
  cutouts?: boolean;
}

/** The history arrays of the survey records: previous detections, upper limits, forced photometry. */
export const SURVEY_HISTORY_FIELDS = ['prv_candidates', 'fp_hists', 'prvDiaSources', 'prvDiaForcedSources'] as const;

/** The survey record as sent, or without its history arrays. */
export function surveyRecord(record: unknown, withHistory: boolean): unknown {
  if (withHistory || typeof record !== 'object' || record === null) return record;
  const out: Record<string, unknown> = { ...(record as Record<string, unknown>) };
  for (const field of SURVEY_HISTORY_FIELDS) delete out[field];
  return out;
}

export function alertToJSON(alert: Alert, options: AlertJsonOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const lightcurve = options.lightcurve ?? true;
  for (const [key, value] of Object.entries(alert)) {
    if (value === undefined || key === 'cutouts' || key === 'lightcurve') continue;
    out[key] = key === 'ztf' || key === 'lsst' ? surveyRecord(value, lightcurve) : value;
  }
  if (lightcurve) out.lightcurve = alert.lightcurve;
  if ((options.cutouts ?? true) && alert.cutouts) out.cutouts = cutoutsToJSON(alert.cutouts);
  return out;
}

function cutoutsToJSON(cutouts: Cutouts): Record<keyof Cutouts, string | null> {
  return { science: base64(cutouts.science), template: base64(cutouts.template), difference: base64(cutouts.difference) };
}

function base64(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
