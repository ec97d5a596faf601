/**
 * The normalised Alert as JSON (the enriched topic, per-user topics, `nightjar decode`): ids are
 * already exact decimal strings, missing values are null, cutouts become base64 strings of their
 * bytes as the survey sent them (ZTF: gzip-compressed FITS). The JSON Schema of this output is generated from the field catalogue
 * (src/alert/json-schema.ts).
 */
import type { Alert, Cutouts } from './types.js';

export interface AlertJsonOptions {
  /** Include the light curve (default true). */
  lightcurve?: boolean;
  /** Include the cutouts when the alert has them (default true). */
  cutouts?: boolean;
}

export function alertToJSON(alert: Alert, options: AlertJsonOptions = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(alert)) {
    if (value === undefined || key === 'cutouts' || key === 'lightcurve') continue;
    out[key] = value;
  }
  if (options.lightcurve ?? true) out.lightcurve = alert.lightcurve;
  if ((options.cutouts ?? true) && alert.cutouts) out.cutouts = cutoutsToJSON(alert.cutouts);
  return out;
}

function cutoutsToJSON(cutouts: Cutouts): Record<keyof Cutouts, string | null> {
  return { science: base64(cutouts.science), template: base64(cutouts.template), difference: base64(cutouts.difference) };
}

function base64(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
