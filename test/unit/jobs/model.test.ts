import { describe, expect, it } from 'vitest';
import { NightjarError } from '../../../src/errors/index.js';
import { checkParams, isFinished, newJob, parseJobRecord, type JobKind } from '../../../src/jobs/model.js';

function invalid(kind: JobKind, params: Record<string, unknown>): string {
  try {
    checkParams(kind, params);
  } catch (err) {
    expect((err as NightjarError).code).toBe('JOB_INVALID');
    return (err as Error).message;
  }
  throw new Error('accepted');
}

describe('job parameters', () => {
  it('normalises a backfill', () => {
    expect(checkParams('backfill', { filterId: 'f', since: 60000, until: 60001 })).toEqual({ filterId: 'f', since: 60000, until: 60001, deliver: false });
    expect(checkParams('backfill', { filterId: 'f', version: 2, since: 1, until: 2, survey: 'lsst', deliver: true })).toEqual({ filterId: 'f', version: 2, since: 1, until: 2, survey: 'lsst', deliver: true });
  });

  it('rejects backfills without a filter or a valid range', () => {
    expect(invalid('backfill', { since: 1, until: 2 })).toMatch(/filterId/);
    expect(invalid('backfill', { filterId: 'f', since: 1 })).toMatch(/until/);
    expect(invalid('backfill', { filterId: 'f', since: 5, until: 5 })).toMatch(/before/);
    expect(invalid('backfill', { filterId: 'f', since: -1, until: 5 })).toMatch(/since/);
    expect(invalid('backfill', { filterId: 'f', since: 1, until: 5, version: 0 })).toMatch(/version/);
    expect(invalid('backfill', { filterId: 'f', since: 1, until: 5, survey: 'sdss' })).toMatch(/survey/);
  });

  it('defaults a query to JSON lines and bounds its SQL', () => {
    expect(checkParams('query', { sql: 'SELECT 1' })).toEqual({ sql: 'SELECT 1', format: 'jsonl' });
    expect(invalid('query', { sql: '   ' })).toMatch(/needs sql/);
    expect(invalid('query', { sql: 'x'.repeat(20_001) })).toMatch(/longer/);
    expect(invalid('query', { sql: 'SELECT 1', format: 'xml' })).toMatch(/csv or jsonl/);
  });

  it('needs a region or a time range for an export, and cutouts only in JSON lines', () => {
    expect(checkParams('export', { ra: 10, dec: -5, radius: 30, format: 'csv' })).toEqual({ ra: 10, dec: -5, radius: 30, format: 'csv', cutouts: false, lightcurve: false });
    expect(checkParams('export', { since: 1, until: 2, cutouts: true })).toEqual({ since: 1, until: 2, format: 'jsonl', cutouts: true, lightcurve: false });
    expect(invalid('export', {})).toMatch(/region .* time range/);
    expect(invalid('export', { ra: 10, dec: 5 })).toMatch(/together/);
    expect(invalid('export', { ra: 360, dec: 5, radius: 1 })).toMatch(/ra/);
    expect(invalid('export', { ra: 1, dec: 5, radius: 0 })).toMatch(/radius/);
    expect(invalid('export', { since: 1, until: 2, format: 'csv', cutouts: true })).toMatch(/jsonl only/);
  });

  it('starts a job queued and reads records back only when they are jobs', () => {
    const job = newJob({ id: 'job-1', owner: 'ada', kind: 'query', params: { sql: 'SELECT 1', format: 'csv' } }, new Date('2026-01-01T00:00:00Z'));
    expect(job.state).toBe('queued');
    expect(isFinished(job)).toBe(false);
    expect(isFinished({ ...job, state: 'cancelled' })).toBe(true);
    expect(parseJobRecord(JSON.parse(JSON.stringify(job)), 'job-1')).toEqual(job);
    expect(() => parseJobRecord(job, 'job-2')).toThrow(/not a job/);
    expect(() => parseJobRecord({ ...job, state: 'lost' }, 'job-1')).toThrow(/not a job/);
  });
});
