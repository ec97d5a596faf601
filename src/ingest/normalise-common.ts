/**
 * Conversions shared by the survey normalisers. Fluxes are in nJy; the AB magnitude of a flux f
 * is −2.5·log10(f/nJy) + 31.4 (only for f > 0); a magnitude error is 2.5/ln(10)·σf/|f| ≈ 1.0857·σf/|f|.
 * See docs/alert-model.md for every rule.
 */
import type { Alert, Band, LightCurvePoint } from '../alert/types.js';
import { bands } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';

export type Row = Record<string, unknown>;

/** AB zero point of a flux in nJy. */
export const NJY_ZERO_POINT = 31.4;
/** 2.5 / ln(10): turns a relative flux error into a magnitude error. */
export const MAG_ERR_FACTOR = 2.5 / Math.LN10;
/** Plausible observation times (MJD): 1968 to 2078. */
export const MJD_RANGE = { min: 40_000, max: 80_000 } as const;
/** Ids at or above 2^62 are invented by `nightjar replay --synthetic` (src/ingest/synthetic.ts). */
const SYNTHETIC_ID_MIN = 1n << 62n;

/** A finite number, else null (null, undefined, NaN, ±Infinity, non-numbers). */
export function finite(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function magFromFlux(flux: number | null): number | null {
  return flux !== null && flux > 0 ? -2.5 * Math.log10(flux) + NJY_ZERO_POINT : null;
}

export function fluxFromMag(mag: number): number {
  return 10 ** ((NJY_ZERO_POINT - mag) / 2.5);
}

export function magErrFromFlux(flux: number | null, fluxErr: number | null): number | null {
  return flux !== null && fluxErr !== null && flux !== 0 ? (MAG_ERR_FACTOR * fluxErr) / Math.abs(flux) : null;
}

export function fluxErrFromMag(flux: number | null, magErr: number | null): number | null {
  return flux !== null && magErr !== null ? (Math.abs(flux) * magErr) / MAG_ERR_FACTOR : null;
}

/** Signal-to-noise of the difference flux, whatever its sign: |flux| / fluxErr. */
export function snrOf(flux: number | null, fluxErr: number | null): number | null {
  return flux !== null && fluxErr !== null && fluxErr > 0 ? Math.abs(flux) / fluxErr : null;
}

export function bandOf(letter: unknown): Band | null {
  return typeof letter === 'string' && (bands as readonly string[]).includes(letter) ? (letter as Band) : null;
}

/** An id as an exact decimal (or text) string; null when missing. Longs arrive as decimal strings. */
export function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value.length > 0 && value !== 'null' ? value : null;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  return null;
}

export function isSyntheticId(id: string): boolean {
  return /^\d{19}$/.test(id) && BigInt(id) >= SYNTHETIC_ID_MIN;
}

/** A copy of the record without the given keys (the cutouts): cheap, the record has few top-level keys. */
export function without(record: Row, keys: readonly string[]): Row {
  const out: Row = {};
  for (const key of Object.keys(record)) if (!keys.includes(key)) out[key] = record[key];
  return out;
}

/** Light-curve points sorted by time; the sort is stable, so same-time points keep their order. */
export function sortByMjd(points: LightCurvePoint[]): LightCurvePoint[] {
  return points.sort((a, b) => a.mjd - b.mjd);
}

/** Dead-letter checks every normalised alert must pass. */
export function validateAlert(alert: Alert): Alert {
  if (!alert.alertId) throw new NightjarError('VALIDATE_MISSING_ID', `the ${alert.survey} alert has no alert id`, { details: { survey: alert.survey } });
  if (!alert.objectId) throw new NightjarError('VALIDATE_MISSING_ID', `the ${alert.survey} alert ${alert.alertId} has no object id`, { details: { alertId: alert.alertId } });
  const { ra, dec, mjd } = alert;
  if (!Number.isFinite(ra) || !Number.isFinite(dec) || ra < 0 || ra >= 360 || dec < -90 || dec > 90) {
    throw new NightjarError('VALIDATE_POSITION', `alert ${alert.alertId}: ra ${ra}, dec ${dec} is not in [0, 360) × [-90, 90]`, { details: { alertId: alert.alertId, ra, dec } });
  }
  if (!Number.isFinite(mjd) || mjd < MJD_RANGE.min || mjd > MJD_RANGE.max) {
    throw new NightjarError('VALIDATE_TIME', `alert ${alert.alertId}: mjd ${mjd} is outside ${MJD_RANGE.min}..${MJD_RANGE.max}`, { details: { alertId: alert.alertId, mjd } });
  }
  return alert;
}
