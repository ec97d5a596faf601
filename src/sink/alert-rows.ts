import { surveys, type Survey } from '../alert/types.js';
import type { CatalogueColumn } from './columns.js';
import { emptyRows, finiteOrNull, idString, invalid, isObject, stringOrNull, type ArchiveRows, type Row } from './rows.js';
import { skyZone } from './sky.js';

/** Keys of an enriched alert that are stored in their own tables or columns, not as annotations. */
const STRUCTURAL_KEYS = new Set(['lightcurve', 'cutouts', 'synthetic', ...surveys]);
const POINT_KINDS = new Set(['detection', 'upperlimit', 'forced']);
const CUTOUT_KINDS = ['science', 'template', 'difference'] as const;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MS_PER_DAY = 86_400_000;

interface AlertCore {
  survey: Survey;
  alertId: string;
  objectId: string;
  mjd: number;
  ra: number;
  dec: number;
}

/**
 * The archive rows of one enriched alert (the JSON the worker writes to the enriched topic): one
 * row in `alerts` and `alert_positions`, the object's latest state, one row per light-curve point
 * and per cutout. Throws SINK_INVALID_MESSAGE when the alert lacks what every alert has.
 */
export function enrichedAlertRows(json: Record<string, unknown>, columns: readonly CatalogueColumn[], ingestedAt: number): ArchiveRows {
  const core = alertCore(json);
  const zone = skyZone(core.dec);
  const annotations = JSON.stringify(annotationsOf(json, columns));
  const rows = emptyRows();
  rows.alerts.push({
    ...catalogueValues(json, columns),
    ...core,
    sky_zone: zone,
    synthetic: json.synthetic === true ? 1 : 0,
    annotations,
    survey_record: JSON.stringify(isObject(json[core.survey]) ? json[core.survey] : {}),
    lightcurve: JSON.stringify(Array.isArray(json.lightcurve) ? json.lightcurve : []),
    ingested_at: ingestedAt,
  });
  const band = stringOrNull(json.band);
  const mag = finiteOrNull(json.mag);
  rows.alert_positions.push({ ...core, sky_zone: zone, band, mag, ingested_at: ingestedAt });
  rows.lightcurve_points = lightcurveRows(json.lightcurve, core, ingestedAt);
  rows.objects.push(objectRow(core, band, mag, annotations, ingestedAt));
  rows.cutouts = cutoutRows(json.cutouts, core.alertId, ingestedAt);
  return rows;
}

function alertCore(json: Record<string, unknown>): AlertCore {
  const survey = json.survey;
  if (!surveys.includes(survey as Survey)) throw invalid(`survey must be one of ${surveys.join(', ')}`, { survey });
  const alertId = idString(json.alertId);
  const objectId = idString(json.objectId);
  if (alertId === null || objectId === null) throw invalid('alertId and objectId must be decimal or text ids', { alertId: json.alertId, objectId: json.objectId });
  const mjd = finiteOrNull(json.mjd);
  if (mjd === null || mjd < 0) throw invalid('mjd must be a non-negative number', { alertId, mjd: json.mjd });
  const ra = finiteOrNull(json.ra);
  const dec = finiteOrNull(json.dec);
  if (ra === null || dec === null || ra < 0 || ra >= 360 || dec < -90 || dec > 90) throw invalid('ra must lie in [0, 360) and dec in [-90, 90]', { alertId, ra: json.ra, dec: json.dec });
  return { survey: survey as Survey, alertId, objectId, mjd, ra, dec };
}

/** Values of the catalogue columns, converted to what the column type accepts (NULL when absent or mistyped). */
function catalogueValues(json: Record<string, unknown>, columns: readonly CatalogueColumn[]): Row {
  const row: Row = {};
  for (const { name, field } of columns) row[name] = columnValue(json[name], field.type);
  return row;
}

function columnValue(value: unknown, type: string): string | number | null {
  switch (type) {
    case 'number':
      return finiteOrNull(value);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      return typeof value === 'string' && /^-?\d{1,18}$/.test(value) ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? Number(value) : null;
    case 'id':
      return idString(value);
    default:
      return stringOrNull(value);
  }
}

/** Everything that is not a column, the light curve, the cutouts or the survey record: the annotation namespaces. */
function annotationsOf(json: Record<string, unknown>, columns: readonly CatalogueColumn[]): Record<string, unknown> {
  const columnNames = new Set(columns.map((c) => c.name));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    if (!STRUCTURAL_KEYS.has(key) && !columnNames.has(key) && value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

function lightcurveRows(lightcurve: unknown, core: AlertCore, ingestedAt: number): Row[] {
  if (lightcurve === undefined || lightcurve === null) return [];
  if (!Array.isArray(lightcurve)) throw invalid('lightcurve must be an array', { alertId: core.alertId });
  return lightcurve.map((point, index) => {
    if (!isObject(point) || finiteOrNull(point.mjd) === null || !POINT_KINDS.has(point.kind as string)) {
      throw invalid(`lightcurve[${index}] needs a numeric mjd and a kind of detection, upperlimit or forced`, { alertId: core.alertId, index });
    }
    return {
      survey: core.survey,
      objectId: core.objectId,
      mjd: point.mjd as number,
      // The band is part of the key, which cannot be Nullable on ClickHouse 18.16: '' stands for unknown.
      band: stringOrNull(point.band) ?? '',
      kind: point.kind as string,
      mag: finiteOrNull(point.mag),
      magErr: finiteOrNull(point.magErr),
      flux: finiteOrNull(point.flux),
      fluxErr: finiteOrNull(point.fluxErr),
      limitMag: finiteOrNull(point.limitMag),
      alertId: core.alertId,
      ingested_at: ingestedAt,
    };
  });
}

function objectRow(core: AlertCore, band: string | null, mag: number | null, annotations: string, ingestedAt: number): Row {
  return {
    survey: core.survey,
    objectId: core.objectId,
    ra: core.ra,
    dec: core.dec,
    lastMjd: core.mjd,
    lastAlertId: core.alertId,
    band,
    mag,
    annotations,
    // The ReplacingMergeTree version: the latest alert of the object wins, whatever the arrival order.
    last_mjd_ms: Math.round(core.mjd * MS_PER_DAY),
    ingested_at: ingestedAt,
  };
}

function cutoutRows(cutouts: unknown, alertId: string, ingestedAt: number): Row[] {
  if (cutouts === undefined || cutouts === null) return [];
  if (!isObject(cutouts)) throw invalid('cutouts must be an object of base64 strings', { alertId });
  const rows: Row[] = [];
  for (const kind of CUTOUT_KINDS) {
    const fits = cutouts[kind];
    if (fits === undefined || fits === null) continue;
    if (typeof fits !== 'string' || fits.length === 0 || !BASE64.test(fits)) throw invalid(`cutouts.${kind} must be a base64 string`, { alertId });
    rows.push({ alertId, kind, fits, ingested_at: ingestedAt });
  }
  return rows;
}
