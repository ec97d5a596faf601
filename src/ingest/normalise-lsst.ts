/**
 * Rubin alert record → normalised Alert, for every schema version (9.0 … 11.1) and for
 * re-published variants (Fink's `topLevelRecord`), relying only on field names. Rules in
 * docs/alert-model.md. NaN was already read as null by the decoder (decode/missing.ts).
 */
import type { Alert, LightCurvePoint } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';
import { bandOf, finite, idOf, isSyntheticId, magErrFromFlux, magFromFlux, snrOf, sortByMjd, validateAlert, without, type Row } from './normalise-common.js';
import { rows, type NormaliseOptions } from './normalise-ztf.js';

export const LSST_CUTOUT_FIELDS = ['cutoutDifference', 'cutoutScience', 'cutoutTemplate'] as const;

export function normaliseLsst(record: Row, options: NormaliseOptions): Alert {
  const source = record.diaSource as Row | null | undefined;
  if (typeof source !== 'object' || source === null) throw new NightjarError('NORMALISE_FAILED', 'the Rubin record has no diaSource');
  const own = point(source, 'detection');
  const alertId = idOf(source.diaSourceId) ?? idOf(record.diaSourceId);
  const flux = finite(source.psfFlux);
  const alert: Alert = {
    survey: 'lsst',
    alertId: alertId ?? '',
    objectId: objectIdOf(record, source) ?? '',
    mjd: own?.mjd ?? NaN,
    ra: finite(source.ra) ?? NaN,
    dec: finite(source.dec) ?? NaN,
    band: bandOf(source.band),
    mag: own?.mag ?? null,
    magErr: own?.magErr ?? null,
    flux,
    fluxErr: own?.fluxErr ?? null,
    snr: snrOf(flux, own?.fluxErr ?? null),
    reliability: finite(source.reliability),
    isPositive: flux === null ? null : flux > 0,
    lightcurve: lightcurve(record, own, alertId),
  };
  if (options.raw) alert.lsst = without(record, LSST_CUTOUT_FIELDS);
  if (alertId !== null && isSyntheticId(alertId)) alert.synthetic = true;
  return validateAlert(alert);
}

/**
 * The diaObjectId (of the diaSource, else of the diaObject record), or for a solar-system source
 * without one (0 or null) its ssObjectId.
 */
function objectIdOf(record: Row, source: Row): string | null {
  const object = record.diaObject as Row | null | undefined;
  for (const id of [idOf(source.diaObjectId), idOf(object?.diaObjectId)]) if (id !== null && id !== '0') return id;
  const ssSource = record.ssSource as Row | null | undefined;
  const ssObjectId = idOf(source.ssObjectId) ?? idOf(ssSource?.ssObjectId);
  return ssObjectId !== null && ssObjectId !== '0' ? ssObjectId : null;
}

function point(row: Row, kind: LightCurvePoint['kind']): LightCurvePoint | null {
  const mjd = finite(row.midpointMjdTai);
  if (mjd === null) return null;
  const flux = finite(row.psfFlux);
  const fluxErr = finite(row.psfFluxErr);
  return { mjd, band: bandOf(row.band), kind, mag: magFromFlux(flux), magErr: magErrFromFlux(flux, fluxErr), flux, fluxErr, limitMag: null };
}

function lightcurve(record: Row, own: LightCurvePoint | null, alertId: string | null): LightCurvePoint[] {
  const points: LightCurvePoint[] = [];
  for (const row of rows(record.prvDiaSources)) {
    if (alertId !== null && idOf(row.diaSourceId) === alertId) continue;
    const p = point(row, 'detection');
    if (p) points.push(p);
  }
  for (const row of rows(record.prvDiaForcedSources)) {
    const p = point(row, 'forced');
    if (p) points.push(p);
  }
  if (own) points.push(own);
  return sortByMjd(points);
}
