/**
 * ZTF alert record → normalised Alert. Works for the ZTF schemas (3.3, 4.02) and for re-published
 * variants (Fink's Spark-written `topLevelRecord`: every field nullable, extra fields), relying
 * only on field names. Sentinels (−999, "null", NaN) were already read as null by the decoder
 * (decode/missing.ts). Rules in docs/alert-model.md.
 */
import type { Alert, Band, LightCurvePoint } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';
import {
  finite,
  fluxErrFromMag,
  fluxFromMag,
  idOf,
  isSyntheticId,
  magErrFromFlux,
  magFromFlux,
  NJY_ZERO_POINT,
  snrOf,
  sortByMjd,
  validateAlert,
  without,
  type Row,
} from './normalise-common.js';

export const ZTF_CUTOUT_FIELDS = ['cutoutScience', 'cutoutTemplate', 'cutoutDifference'] as const;
const JD_TO_MJD = 2_400_000.5;
const BAND_OF_FID: Record<number, Band> = { 1: 'g', 2: 'r', 3: 'i' };

export interface NormaliseOptions {
  /** Attach the survey record (cutouts removed) as `alert.ztf` / `alert.lsst`. */
  raw: boolean;
}

export function normaliseZtf(record: Row, options: NormaliseOptions): Alert {
  const candidate = record.candidate as Row | null | undefined;
  if (typeof candidate !== 'object' || candidate === null) throw new NightjarError('NORMALISE_FAILED', 'the ZTF record has no candidate');
  const own = detection(candidate);
  const alertId = idOf(record.candid) ?? idOf(candidate.candid);
  const alert: Alert = {
    survey: 'ztf',
    alertId: alertId ?? '',
    objectId: idOf(record.objectId) ?? '',
    mjd: own?.mjd ?? NaN,
    ra: finite(candidate.ra) ?? NaN,
    dec: finite(candidate.dec) ?? NaN,
    band: bandOfFid(candidate.fid),
    mag: own?.mag ?? null,
    magErr: own?.magErr ?? null,
    flux: own?.flux ?? null,
    fluxErr: own?.fluxErr ?? null,
    snr: snrOf(own?.flux ?? null, own?.fluxErr ?? null),
    reliability: finite(candidate.drb) ?? finite(candidate.rb),
    isPositive: isPositive(candidate.isdiffpos),
    lightcurve: lightcurve(record, own, alertId),
  };
  if (options.raw) alert.ztf = without(record, ZTF_CUTOUT_FIELDS);
  if (alertId !== null && isSyntheticId(alertId)) alert.synthetic = true;
  return validateAlert(alert);
}

export function bandOfFid(fid: unknown): Band | null {
  return typeof fid === 'number' ? (BAND_OF_FID[fid] ?? null) : null;
}

/** `isdiffpos` is "t"/"f" or "1"/"0": whether the science image is brighter than the template. */
export function isPositive(isdiffpos: unknown): boolean | null {
  if (isdiffpos === 't' || isdiffpos === '1') return true;
  if (isdiffpos === 'f' || isdiffpos === '0') return false;
  return null;
}

function mjdOf(jd: unknown): number | null {
  const value = finite(jd);
  return value === null ? null : value - JD_TO_MJD;
}

/** A candidate or previous detection as a light-curve point; null without time or magnitude. */
function detection(row: Row): LightCurvePoint | null {
  const mjd = mjdOf(row.jd);
  if (mjd === null) return null;
  const mag = finite(row.magpsf);
  const magErr = finite(row.sigmapsf);
  const positive = isPositive(row.isdiffpos);
  // magpsf is the magnitude of |flux|; the sign comes from isdiffpos (unknown sign: positive).
  const flux = mag === null ? null : (positive === false ? -1 : 1) * fluxFromMag(mag);
  return { mjd, band: bandOfFid(row.fid), kind: 'detection', mag, magErr, flux, fluxErr: fluxErrFromMag(flux, magErr), limitMag: finite(row.diffmaglim) };
}

/** A previous candidate without a candid is a non-detection: only its limiting magnitude counts. */
function upperLimit(row: Row): LightCurvePoint | null {
  const mjd = mjdOf(row.jd);
  if (mjd === null) return null;
  return { mjd, band: bandOfFid(row.fid), kind: 'upperlimit', mag: null, magErr: null, flux: null, fluxErr: null, limitMag: finite(row.diffmaglim) };
}

/** Forced photometry: forcediffimflux is in DN at zero point magzpsci; nJy = DN · 10^((31.4 − magzpsci)/2.5). */
function forced(row: Row): LightCurvePoint | null {
  const mjd = mjdOf(row.jd);
  const dn = finite(row.forcediffimflux);
  const zp = finite(row.magzpsci);
  if (mjd === null || dn === null || zp === null) return null;
  const scale = 10 ** ((NJY_ZERO_POINT - zp) / 2.5);
  const flux = dn * scale;
  const dnErr = finite(row.forcediffimfluxunc);
  const fluxErr = dnErr === null ? null : dnErr * scale;
  return { mjd, band: bandOfFid(row.fid), kind: 'forced', mag: magFromFlux(flux), magErr: magErrFromFlux(flux, fluxErr), flux, fluxErr, limitMag: finite(row.diffmaglim) };
}

function lightcurve(record: Row, own: LightCurvePoint | null, alertId: string | null): LightCurvePoint[] {
  const points: LightCurvePoint[] = [];
  for (const row of rows(record.prv_candidates)) {
    const candid = idOf(row.candid);
    if (candid !== null && candid === alertId) continue;
    const point = candid === null ? upperLimit(row) : detection(row);
    if (point) points.push(point);
  }
  for (const row of rows(record.fp_hists)) {
    const point = forced(row);
    if (point) points.push(point);
  }
  if (own) points.push(own);
  return sortByMjd(points);
}

export function rows(value: unknown): Row[] {
  return Array.isArray(value) ? (value.filter((row) => typeof row === 'object' && row !== null) as Row[]) : [];
}
