import { NightjarError } from '../errors/index.js';
import { surveys, type Survey } from '../alert/types.js';

/**
 * Asynchronous jobs (docs/jobs.md): a user's request for work over the archive that takes longer
 * than an HTTP request. Each job is one record on the compacted jobs topic, keyed by its id; every
 * change of state is a new record, so the API and the jobs role, in any process, see the same job.
 */
export type JobKind = 'backfill' | 'query' | 'export';
export const jobKinds: readonly JobKind[] = ['backfill', 'query', 'export'];

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const jobStates: readonly JobState[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
export const finishedStates: readonly JobState[] = ['succeeded', 'failed', 'cancelled'];

export type ResultFormat = 'csv' | 'jsonl';

/** Run a filter version over archived alerts of a time range, as the live filter would have seen each. */
export interface BackfillParams {
  filterId: string;
  /** Defaults to the filter's active version, else its latest. */
  version?: number;
  /** Alert time range, MJD, inclusive start and exclusive end. */
  since: number;
  until: number;
  survey?: Survey;
  /** Also publish each match to the owner's topic (marked as a backfill). */
  deliver?: boolean;
}

/** Read-only SQL over the archive database. */
export interface QueryParams {
  sql: string;
  format: ResultFormat;
}

/** Alerts of a region and/or time range. */
export interface ExportParams {
  /** Cone: centre and radius in arcsec. */
  ra?: number;
  dec?: number;
  radius?: number;
  since?: number;
  until?: number;
  survey?: Survey;
  format: ResultFormat;
  /** Include the three cutouts (base64 FITS; jsonl only). */
  cutouts?: boolean;
  /** Include each alert's light curve as known at its time (jsonl only). */
  lightcurve?: boolean;
}

export type JobParams = BackfillParams | QueryParams | ExportParams;

export interface JobResult {
  format: ResultFormat;
  rows: number;
  bytes: number;
  /** Backfill: alerts evaluated and matches delivered to the owner's topic. */
  evaluated?: number;
  delivered?: number;
}

export interface JobRecord {
  id: string;
  owner: string;
  kind: JobKind;
  params: JobParams;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Results are deleted, and the job with them, after this time. */
  expiresAt: string | null;
  /** Runs started: a restart of the jobs role resumes a running job by starting it again. */
  attempts: number;
  progress: { done: number; total: number | null } | null;
  result: JobResult | null;
  error: { code: string; message: string } | null;
  /** Set by DELETE on a queued or running job; the runner stops it and marks it cancelled. */
  cancelRequested: boolean;
}

/** Bounds of a job's parameters. */
export const MAX_SQL_LENGTH = 20_000;
export const MAX_EXPORT_RADIUS_ARCSEC = 36_000;
/** MJD range the archive can hold (1858 to 2132). */
const MJD_MIN = 0;
const MJD_MAX = 100_000;

function invalid(message: string, details: Record<string, unknown> = {}): NightjarError {
  return new NightjarError('JOB_INVALID', message, { details });
}

function mjdRange(since: unknown, until: unknown, required: boolean): { since?: number; until?: number } {
  for (const [name, value] of [['since', since], ['until', until]] as const) {
    if (value === undefined && !required) continue;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < MJD_MIN || value > MJD_MAX) throw invalid(`${name} must be an MJD between ${MJD_MIN} and ${MJD_MAX}`, { [name]: value });
  }
  if (typeof since === 'number' && typeof until === 'number' && !(since < until)) throw invalid('since must be before until', { since, until });
  return { since: since as number | undefined, until: until as number | undefined };
}

function surveyOf(value: unknown): Survey | undefined {
  if (value === undefined) return undefined;
  if (!surveys.includes(value as Survey)) throw invalid(`survey must be one of ${surveys.join(', ')}`, { survey: value });
  return value as Survey;
}

function formatOf(value: unknown): ResultFormat {
  if (value === undefined) return 'jsonl';
  if (value !== 'csv' && value !== 'jsonl') throw invalid('format must be csv or jsonl', { format: value });
  return value;
}

/** Checks and normalises a job's parameters for its kind (JOB_INVALID with the reason otherwise). */
export function checkParams(kind: JobKind, raw: Record<string, unknown>): JobParams {
  switch (kind) {
    case 'backfill': {
      if (typeof raw.filterId !== 'string' || raw.filterId === '') throw invalid('backfill needs filterId');
      if (raw.version !== undefined && (!Number.isInteger(raw.version) || (raw.version as number) < 1)) throw invalid('version must be a positive integer', { version: raw.version });
      const { since, until } = mjdRange(raw.since, raw.until, true);
      return { filterId: raw.filterId, ...(raw.version === undefined ? {} : { version: raw.version as number }), since: since!, until: until!, ...(raw.survey === undefined ? {} : { survey: surveyOf(raw.survey) }), deliver: raw.deliver === true };
    }
    case 'query': {
      if (typeof raw.sql !== 'string' || raw.sql.trim() === '') throw invalid('query needs sql');
      if (raw.sql.length > MAX_SQL_LENGTH) throw invalid(`sql is longer than ${MAX_SQL_LENGTH} characters`, { length: raw.sql.length });
      return { sql: raw.sql, format: formatOf(raw.format) };
    }
    case 'export': {
      const cone = [raw.ra, raw.dec, raw.radius];
      const given = cone.filter((v) => v !== undefined).length;
      if (given !== 0 && given !== 3) throw invalid('a region needs ra, dec and radius together');
      if (given === 3) {
        const [ra, dec, radius] = cone as number[];
        if (typeof ra !== 'number' || !(ra >= 0 && ra < 360)) throw invalid('ra must be in [0, 360)', { ra });
        if (typeof dec !== 'number' || !(dec >= -90 && dec <= 90)) throw invalid('dec must be in [-90, 90]', { dec });
        if (typeof radius !== 'number' || !(radius > 0 && radius <= MAX_EXPORT_RADIUS_ARCSEC)) throw invalid(`radius must be in (0, ${MAX_EXPORT_RADIUS_ARCSEC}] arcsec`, { radius });
      }
      const { since, until } = mjdRange(raw.since, raw.until, false);
      if (given === 0 && (since === undefined || until === undefined)) throw invalid('an export needs a region (ra, dec, radius), a time range (since, until), or both');
      const format = formatOf(raw.format);
      if (format === 'csv' && (raw.cutouts === true || raw.lightcurve === true)) throw invalid('cutouts and light curves are exported as jsonl only');
      const params: ExportParams = { format, cutouts: raw.cutouts === true, lightcurve: raw.lightcurve === true };
      if (given === 3) Object.assign(params, { ra: raw.ra, dec: raw.dec, radius: raw.radius });
      if (since !== undefined) params.since = since;
      if (until !== undefined) params.until = until;
      const survey = surveyOf(raw.survey);
      if (survey) params.survey = survey;
      return params;
    }
    default:
      throw invalid(`kind must be one of ${jobKinds.join(', ')}`, { kind });
  }
}

export function newJob(fields: { id: string; owner: string; kind: JobKind; params: JobParams }, now: Date): JobRecord {
  const at = now.toISOString();
  return { ...fields, state: 'queued', createdAt: at, updatedAt: at, startedAt: null, finishedAt: null, expiresAt: null, attempts: 0, progress: null, result: null, error: null, cancelRequested: false };
}

export function isFinished(job: JobRecord): boolean {
  return finishedStates.includes(job.state);
}

/** A record read back from the topic; anything malformed is rejected (and skipped by the follower). */
export function parseJobRecord(value: unknown, key: string): JobRecord {
  const job = value as JobRecord;
  if (typeof job !== 'object' || job === null || job.id !== key || typeof job.owner !== 'string' || !jobKinds.includes(job.kind) || !jobStates.includes(job.state)) {
    throw new Error(`not a job record: ${key}`);
  }
  return job;
}
