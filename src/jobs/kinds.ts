import type { ClickHouseClient } from '@clickhouse/client';
import type { Producer } from 'kafkajs';
import '../alert/fields.js';
import '../annotate/fields.js';
import { allFields } from '../alert/catalogue.js';
import { alertToJSON } from '../alert/json.js';
import type { Alert } from '../alert/types.js';
import type { ArchivedAlert } from '../clickhouse/archive-queries.js';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { compileFilter } from '../filter/lang/index.js';
import { activeVersionOf, userTopic, type FilterRecord } from '../filter/model.js';
import { matchRecord } from '../publish/match.js';
import { catalogueColumns } from '../sink/columns.js';
import { ArchiveScan } from './archive-scan.js';
import type { BackfillParams, ExportParams, JobRecord, JobResult, QueryParams } from './model.js';
import type { ResultWriter } from './results.js';
import { checkQuerySql, QUERYABLE_TABLES } from './sql-guard.js';
import { csvField } from '../annotate/catalogs/csv.js';

/** What a running job works with. */
export interface JobContext {
  job: JobRecord;
  signal: AbortSignal;
  results: ResultWriter;
  /** Reports progress (the runner publishes it at most every few seconds). */
  progress(done: number, total: number | null): void;
  /** A client whose default database is the archive (unqualified table names in query jobs are its). */
  clickhouse: ClickHouseClient;
  config: Config;
  /** The filter a backfill runs, as the filters topic has it now. */
  filter(id: string): FilterRecord | undefined;
  /** For backfills that deliver their matches to the owner's topic. */
  producer(): Promise<Producer>;
}

export type JobExecutor = (ctx: JobContext) => Promise<JobResult>;

/** Header marking a match a backfill job delivered (its value is the job id). */
export const BACKFILL_HEADER = 'nightjar-backfill-job';

function limitRows(ctx: JobContext): void {
  if (ctx.results.rows >= ctx.config.jobs.maxResultRows) throw new NightjarError('JOB_INVALID', `the results reached jobs.maxResultRows (${ctx.config.jobs.maxResultRows}); narrow the range`, { details: { limit: ctx.config.jobs.maxResultRows } });
}

/**
 * backfill: evaluates one filter version on every archived alert of the range in time order, each
 * alert as the worker annotated it and with its own light curve, so the answer is what the live
 * filter gave (or would have given) and nothing from after the alert's time is seen.
 */
export const runBackfill: JobExecutor = async (ctx) => {
  const params = ctx.job.params as BackfillParams;
  const filter = ctx.filter(params.filterId);
  if (!filter || (filter.owner !== ctx.job.owner && !filter.public)) throw new NightjarError('NOT_FOUND', `no filter ${params.filterId}`);
  const version = params.version === undefined ? (activeVersionOf(filter) ?? filter.versions.at(-1)) : filter.versions.find((v) => v.version === params.version);
  if (!version) throw new NightjarError('NOT_FOUND', `filter ${filter.id} has no version ${params.version ?? ''}`.trim());
  const compiled = compileFilter(version.expression);
  const evalCtx = { owner: ctx.job.owner };
  const scan = new ArchiveScan(ctx.clickhouse, ctx.config.clickhouse.database, { since: params.since, until: params.until, survey: params.survey }, ctx.config.jobs.pageSize);
  const total = await scan.count();
  const target = { filterId: filter.id, version: version.version, owner: ctx.job.owner, topic: userTopic(ctx.job.owner), output: version.output };
  const producer = params.deliver ? await ctx.producer() : undefined;
  let evaluated = 0;
  let delivered = 0;
  for await (const page of scan.alerts(ctx.signal)) {
    const matched: Alert[] = [];
    for (const archived of page) {
      evaluated += 1;
      const alert = archived as unknown as Alert;
      if (!compiled.evaluate(alert, evalCtx)) continue;
      matched.push(alert);
      limitRows(ctx);
      await ctx.results.line(JSON.stringify({ survey: alert.survey, alertId: alert.alertId, objectId: alert.objectId, mjd: alert.mjd, ra: alert.ra, dec: alert.dec, band: alert.band ?? null, mag: alert.mag ?? null, filterId: filter.id, version: version.version }));
    }
    if (producer && matched.length > 0) {
      const now = new Date();
      const messages = matched.map((alert) => {
        const record = matchRecord(alert, target, now, (a, opts) => alertToJSON(a, { ...opts, cutouts: false }));
        return { key: record.key, value: record.value, headers: { ...record.headers, [BACKFILL_HEADER]: ctx.job.id } };
      });
      await producer.send({ topic: target.topic, acks: -1, messages });
      delivered += messages.length;
    }
    ctx.progress(evaluated, total);
  }
  return { format: 'jsonl', rows: ctx.results.rows, bytes: ctx.results.bytes, evaluated, delivered };
};

/** query: one read-only SELECT over the archive tables, ClickHouse enforcing time and row limits. */
export const runQuery: JobExecutor = async (ctx) => {
  const params = ctx.job.params as QueryParams;
  const database = ctx.config.clickhouse.database;
  const others = await ctx.clickhouse.query({ query: 'SHOW DATABASES', format: 'JSONEachRow' }).then((r) => r.json<{ name: string }>());
  const sql = checkQuerySql(params.sql, { database, tables: QUERYABLE_TABLES, otherDatabases: others.map((d) => d.name) });
  const format = params.format === 'csv' ? 'CSVWithNames' : 'JSONEachRow';
  let result;
  try {
    result = await ctx.clickhouse.query({
      query: sql,
      format,
      abort_signal: ctx.signal,
      clickhouse_settings: {
        // readonly=2: no writes or DDL; the limits below may still be set by us (not by the query, see sql-guard).
        readonly: '2',
        max_execution_time: ctx.config.jobs.queryTimeoutSeconds,
        max_result_rows: String(ctx.config.jobs.queryMaxRows),
        result_overflow_mode: 'throw',
        output_format_json_quote_64bit_integers: 1,
      },
    });
  } catch (err) {
    throw queryFailed(err, ctx.signal);
  }
  let header = params.format === 'csv';
  try {
    for await (const rows of result.stream()) {
      for (const row of rows as { text: string }[]) {
        if (header) {
          await ctx.results.line(row.text, 0);
          header = false;
          continue;
        }
        limitRows(ctx);
        await ctx.results.line(row.text);
      }
      ctx.progress(ctx.results.rows, null);
    }
  } catch (err) {
    if (err instanceof NightjarError) throw err;
    throw queryFailed(err, ctx.signal);
  }
  return { format: params.format, rows: ctx.results.rows, bytes: ctx.results.bytes };
};

function queryFailed(err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return err;
  const message = (err as Error).message ?? String(err);
  if (/ECONNREFUSED|ECONNRESET|socket hang up/i.test(message)) return new NightjarError('CLICKHOUSE_UNAVAILABLE', `ClickHouse unavailable: ${message}`, { cause: err });
  return new NightjarError('JOB_QUERY_FAILED', `ClickHouse refused the query: ${message.split('\n')[0]!.slice(0, 500)}`, { cause: err });
}

const csvColumns = (): string[] => [...catalogueColumns(allFields()).map((c) => c.name), 'ingestedAt'];

/** export: archived alerts of a cone and/or time range, CSV (catalogue columns) or JSON lines (whole alerts). */
export const runExport: JobExecutor = async (ctx) => {
  const params = ctx.job.params as ExportParams;
  const cone = params.ra === undefined ? undefined : { ra: params.ra, dec: params.dec!, radiusArcsec: params.radius! };
  const scan = new ArchiveScan(ctx.clickhouse, ctx.config.clickhouse.database, { since: params.since, until: params.until, survey: params.survey, cone }, ctx.config.jobs.pageSize);
  const total = await scan.count();
  const columns = csvColumns();
  if (params.format === 'csv') await ctx.results.line(columns.join(','), 0);
  let done = 0;
  for await (const page of scan.alerts(ctx.signal)) {
    const cutouts = params.cutouts ? await scan.cutouts(page.map((a) => a.alertId)) : undefined;
    for (const alert of page) {
      limitRows(ctx);
      await ctx.results.line(params.format === 'csv' ? csvRow(alert, columns) : jsonLine(alert, params, cutouts));
    }
    done += page.length;
    ctx.progress(done, total);
  }
  return { format: params.format, rows: ctx.results.rows, bytes: ctx.results.bytes };
};

function jsonLine(alert: ArchivedAlert, params: ExportParams, cutouts: Map<string, Record<string, string>> | undefined): string {
  const { lightcurve, ...rest } = alert;
  const out: Record<string, unknown> = { ...rest };
  if (params.lightcurve) out.lightcurve = lightcurve;
  if (cutouts) {
    const stamps = cutouts.get(alert.alertId) ?? {};
    out.cutouts = { science: stamps.science ?? null, template: stamps.template ?? null, difference: stamps.difference ?? null };
  }
  return JSON.stringify(out);
}

export function csvRow(record: Record<string, unknown>, columns: readonly string[]): string {
  return columns.map((name) => csvValue(record[name])).join(',');
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  return csvField(typeof value === 'object' ? JSON.stringify(value) : String(value));
}

export const executors: Record<JobRecord['kind'], JobExecutor> = { backfill: runBackfill, query: runQuery, export: runExport };
