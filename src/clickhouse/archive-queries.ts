import type { ClickHouseClient } from '@clickhouse/client';
import { surveys, type Survey } from '../alert/types.js';
import { NightjarError } from '../errors/index.js';
import type { CatalogueColumn } from '../sink/columns.js';
import { coneBox } from '../sink/sky.js';
import { floatLiteral, integerLiteral, quoteIdentifier, stringLiteral } from '../sink/sql.js';
import { classifyClickHouseError } from '../sink/writer.js';

/**
 * Read queries over the archive for the REST API and jobs. Every read deduplicates (FINAL on the
 * ReplacingMergeTree tables), so replays and not-yet-merged parts never show twice. ClickHouse
 * 18.16 has no query parameters: values enter SQL only through the literal helpers in sink/sql.ts.
 */
export interface ArchivedAlert {
  survey: Survey;
  alertId: string;
  objectId: string;
  mjd: number;
  ra: number;
  dec: number;
  synthetic: boolean;
  ingestedAt: string;
  /** The other catalogue fields, annotation namespaces and the survey record (`ztf` / `lsst`). */
  [field: string]: unknown;
}

export interface LightCurveRow {
  mjd: number;
  band: string | null;
  kind: 'detection' | 'upperlimit' | 'forced';
  mag: number | null;
  magErr: number | null;
  flux: number | null;
  fluxErr: number | null;
  limitMag: number | null;
}

export interface ArchivedObject {
  survey: Survey;
  objectId: string;
  ra: number;
  dec: number;
  lastMjd: number;
  lastAlertId: string;
  band: string | null;
  mag: number | null;
  annotations: Record<string, unknown>;
  firstDetectionMjd: number | null;
  detections: number;
  /** Every point ever archived for the object, once each, by mjd. */
  lightcurve: LightCurveRow[];
}

export interface ConeSearchHit {
  survey: Survey;
  alertId: string;
  objectId: string;
  mjd: number;
  ra: number;
  dec: number;
  band: string | null;
  mag: number | null;
  distanceArcsec: number;
}

export interface ArchivedMatch {
  owner: string;
  filterId: string;
  version: number;
  alertId: string;
  objectId: string;
  survey: string;
  matchedAt: string;
}

export type CutoutKind = 'science' | 'template' | 'difference';
export const cutoutKinds: readonly CutoutKind[] = ['science', 'template', 'difference'];

/** Largest cone radius (deg) and result count a search may ask for. */
export const MAX_CONE_RADIUS_DEG = 10;
export const MAX_RESULTS = 10_000;

/** Optional restrictions of a cone search: one survey, an MJD range (inclusive). */
export interface ConeSearchOptions {
  survey?: Survey;
  since?: number;
  until?: number;
}

export interface ArchiveQueries {
  getAlert(alertId: string, survey?: Survey): Promise<ArchivedAlert | null>;
  getObject(objectId: string, survey?: Survey): Promise<ArchivedObject | null>;
  coneSearch(ra: number, dec: number, radiusDeg: number, limit?: number, options?: ConeSearchOptions): Promise<ConeSearchHit[]>;
  getCutout(alertId: string, kind: CutoutKind): Promise<Buffer | null>;
  /** The kinds of cutout archived for an alert, in the order of `cutoutKinds`. */
  cutoutKindsOf(alertId: string): Promise<CutoutKind[]>;
  matchesOf(owner: string, filterId?: string, limit?: number): Promise<ArchivedMatch[]>;
}

/** `columns` are the catalogue columns of `alerts` (catalogueColumns(allFields())); booleans among them are read back as booleans. */
export function archiveQueries(client: ClickHouseClient, database: string, columns: readonly CatalogueColumn[]): ArchiveQueries {
  const booleans = columns.filter((c) => c.field.type === 'boolean').map((c) => c.name);
  const table = (name: string) => `${quoteIdentifier(database)}.${quoteIdentifier(name)}`;
  const rows = <T>(query: string, what: string) => select<T>(client, query, what);
  return {
    async getAlert(alertId, survey) {
      const where = [`alertId = ${stringLiteral(alertId)}`, ...surveyCondition(survey)].join(' AND ');
      const found = await rows<Record<string, unknown>>(`SELECT *, toUnixTimestamp(ingested_at) AS ingested_unix FROM ${table('alerts')} FINAL WHERE ${where} ORDER BY survey LIMIT 1`, 'alerts');
      return found[0] ? alertFromRow(found[0], booleans) : null;
    },

    async getObject(objectId, survey) {
      const where = [`objectId = ${stringLiteral(objectId)}`, ...surveyCondition(survey)].join(' AND ');
      const found = await rows<Record<string, unknown>>(`SELECT survey, objectId, ra, dec, lastMjd, lastAlertId, band, mag, annotations FROM ${table('objects')} FINAL WHERE ${where} ORDER BY lastMjd DESC LIMIT 1`, 'objects');
      const object = found[0];
      if (!object) return null;
      const points = await rows<LightCurveRow & { band: string }>(
        `SELECT mjd, band, kind, mag, magErr, flux, fluxErr, limitMag FROM ${table('lightcurve_points')} FINAL WHERE survey = ${stringLiteral(String(object.survey))} AND objectId = ${stringLiteral(objectId)} ORDER BY mjd, band, kind`,
        'lightcurve_points',
      );
      const lightcurve = points.map((p) => ({ ...p, band: p.band === '' ? null : p.band }));
      const detections = lightcurve.filter((p) => p.kind === 'detection');
      return {
        ...(object as Omit<ArchivedObject, 'annotations' | 'lightcurve' | 'firstDetectionMjd' | 'detections'>),
        annotations: parseJson(object.annotations),
        firstDetectionMjd: detections[0]?.mjd ?? null,
        detections: detections.length,
        lightcurve,
      };
    },

    async coneSearch(ra, dec, radiusDeg, limit = 1_000, options = {}) {
      checkCone(ra, dec, radiusDeg, limit);
      const hits = await rows<Omit<ConeSearchHit, 'distanceArcsec'> & { distance: number }>(coneSearchSql(table('alert_positions'), ra, dec, radiusDeg, limit, coneConditions(options)), 'alert_positions');
      return hits.map(({ distance, ...hit }) => ({ ...hit, distanceArcsec: distance * 3600 }));
    },

    async getCutout(alertId, kind) {
      if (!cutoutKinds.includes(kind)) throw new NightjarError('REQUEST_INVALID', `cutout kind must be one of ${cutoutKinds.join(', ')}`, { details: { kind } });
      const found = await rows<{ fits: string }>(`SELECT fits FROM ${table('cutouts')} FINAL WHERE alertId = ${stringLiteral(alertId)} AND kind = ${stringLiteral(kind)} LIMIT 1`, 'cutouts');
      return found[0] ? Buffer.from(found[0].fits, 'base64') : null;
    },

    async cutoutKindsOf(alertId) {
      const found = await rows<{ kind: CutoutKind }>(`SELECT DISTINCT kind FROM ${table('cutouts')} FINAL WHERE alertId = ${stringLiteral(alertId)}`, 'cutouts');
      const present = new Set(found.map((r) => r.kind));
      return cutoutKinds.filter((kind) => present.has(kind));
    },

    async matchesOf(owner, filterId, limit = 1_000) {
      checkLimit(limit);
      const where = [`owner = ${stringLiteral(owner)}`, ...(filterId === undefined ? [] : [`filterId = ${stringLiteral(filterId)}`])].join(' AND ');
      const found = await rows<Omit<ArchivedMatch, 'matchedAt'> & { matched_unix: number | string }>(
        `SELECT owner, filterId, version, alertId, objectId, survey, toUnixTimestamp(matchedAt) AS matched_unix FROM ${table('matches')} FINAL WHERE ${where} ORDER BY matched_unix DESC, alertId LIMIT ${integerLiteral(limit)}`,
        'matches',
      );
      return found.map(({ matched_unix, ...match }) => ({ ...match, version: Number(match.version), matchedAt: new Date(Number(matched_unix) * 1000).toISOString() }));
    },
  };
}

/**
 * The cone search: the (zone, dec, ra) box prunes by the primary key of `alert_positions`; the
 * haversine distance, in Float64 on the server, decides. Haversine keeps full precision at
 * arcsecond scales, and sin² of half the RA difference is the same across RA 0/360. The
 * built-in greatCircleDistance is not used: it wants longitudes in [-180, 180] on 18.16 and is an
 * approximation on current releases.
 */
export function coneSearchSql(table: string, ra: number, dec: number, radiusDeg: number, limit: number, extra: readonly string[] = []): string {
  const box = coneBox(ra, dec, radiusDeg);
  const raCondition = box.raRanges.map((r) => `(ra >= ${floatLiteral(r.lo)} AND ra <= ${floatLiteral(r.hi)})`).join(' OR ');
  return [
    `SELECT survey, alertId, objectId, mjd, ra, dec, band, mag, ${haversineSql(ra, dec)} AS distance`,
    `FROM ${table} FINAL`,
    `WHERE sky_zone >= ${integerLiteral(box.zoneLo)} AND sky_zone <= ${integerLiteral(box.zoneHi)}`,
    `  AND dec >= ${floatLiteral(box.decLo)} AND dec <= ${floatLiteral(box.decHi)} AND (${raCondition})`,
    `  AND distance <= ${floatLiteral(radiusDeg)}`,
    ...extra.map((condition) => `  AND ${condition}`),
    `ORDER BY distance, alertId LIMIT ${integerLiteral(limit)}`,
  ].join('\n');
}

/** Angular distance in degrees from (ra, dec) to the row's position. */
export function haversineSql(ra: number, dec: number): string {
  const rad = (x: string) => `(${x}) * pi() / 180`;
  const halfRad = (x: string) => `(${x}) * pi() / 360`;
  const h = `pow(sin(${halfRad(`dec - ${floatLiteral(dec)}`)}), 2) + cos(${rad('dec')}) * cos(${rad(floatLiteral(dec))}) * pow(sin(${halfRad(`ra - ${floatLiteral(ra)}`)}), 2)`;
  return `(2 * asin(least(toFloat64(1), sqrt(${h}))) * 180 / pi())`;
}

function checkCone(ra: number, dec: number, radiusDeg: number, limit: number): void {
  const bad = (message: string, details: Record<string, unknown>) => new NightjarError('REQUEST_INVALID', message, { details });
  if (!Number.isFinite(ra) || ra < 0 || ra >= 360) throw bad('ra must be a number in [0, 360)', { ra });
  if (!Number.isFinite(dec) || dec < -90 || dec > 90) throw bad('dec must be a number in [-90, 90]', { dec });
  if (!Number.isFinite(radiusDeg) || radiusDeg <= 0 || radiusDeg > MAX_CONE_RADIUS_DEG) throw bad(`radius must be greater than 0 and at most ${MAX_CONE_RADIUS_DEG} deg`, { radiusDeg });
  checkLimit(limit);
}

/** SQL conditions for a cone search's survey and MJD range; REQUEST_INVALID when they make no sense. */
function coneConditions({ survey, since, until }: ConeSearchOptions): string[] {
  const bad = (message: string) => new NightjarError('REQUEST_INVALID', message, { details: { since, until } });
  if (since !== undefined && (!Number.isFinite(since) || since < 0)) throw bad('since must be a non-negative MJD');
  if (until !== undefined && (!Number.isFinite(until) || until < 0)) throw bad('until must be a non-negative MJD');
  if (since !== undefined && until !== undefined && since > until) throw bad('since must not be later than until');
  return [
    ...surveyCondition(survey),
    ...(since === undefined ? [] : [`mjd >= ${floatLiteral(since)}`]),
    ...(until === undefined ? [] : [`mjd <= ${floatLiteral(until)}`]),
  ];
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RESULTS) throw new NightjarError('REQUEST_INVALID', `limit must be an integer from 1 to ${MAX_RESULTS}`, { details: { limit } });
}

function surveyCondition(survey: Survey | undefined): string[] {
  if (survey === undefined) return [];
  if (!surveys.includes(survey)) throw new NightjarError('REQUEST_INVALID', `survey must be one of ${surveys.join(', ')}`, { details: { survey } });
  return [`survey = ${stringLiteral(survey)}`];
}

/** Rows of a read query (JSON; 64-bit integers that fit a double become numbers); errors classified for `what`. */
export async function select<T>(client: ClickHouseClient, query: string, what: string): Promise<T[]> {
  try {
    const result = await client.query({ query, format: 'JSON' });
    const body = await result.json<T>();
    return body.data.map((row) => convertInt64(row as Record<string, unknown>, body.meta ?? []) as T);
  } catch (err) {
    throw classifyClickHouseError(err, what, 'INTERNAL');
  }
}

/** JSON output quotes 64-bit integers; those that fit a double exactly become numbers again. */
function convertInt64(row: Record<string, unknown>, meta: readonly { name: string; type: string }[]): Record<string, unknown> {
  for (const { name, type } of meta) {
    const value = row[name];
    if (typeof value === 'string' && /^(Nullable\()?U?Int64\)?$/.test(type)) {
      const n = Number(value);
      if (Number.isSafeInteger(n)) row[name] = n;
    }
  }
  return row;
}

/** Builds the alert as the API shows it: catalogue fields, annotation namespaces, survey record. */
export function alertFromRow(row: Record<string, unknown>, booleans: readonly string[]): ArchivedAlert {
  const { annotations, survey_record, lightcurve, sky_zone: _zone, ingested_at: _text, ingested_unix, synthetic, ...fields } = row;
  for (const name of booleans) if (name in fields && fields[name] !== null) fields[name] = Number(fields[name]) === 1;
  const survey = row.survey as Survey;
  return {
    ...parseJson(annotations),
    [survey]: parseJson(survey_record),
    ...fields,
    lightcurve: parseJsonArray(lightcurve),
    synthetic: Number(synthetic) === 1,
    ingestedAt: new Date(Number(ingested_unix) * 1000).toISOString(),
  } as unknown as ArchivedAlert;
}

/** The alert's own light curve (JSON text); empty for alerts archived before the column existed. */
function parseJsonArray(text: unknown): unknown[] {
  if (typeof text !== 'string' || text === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [];
  } catch {
    return [];
  }
}

function parseJson(text: unknown): Record<string, unknown> {
  if (typeof text !== 'string' || text === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
