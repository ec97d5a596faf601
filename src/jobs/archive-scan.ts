import type { ClickHouseClient } from '@clickhouse/client';
import '../alert/fields.js';
import '../annotate/fields.js';
import { allFields } from '../alert/catalogue.js';
import type { Survey } from '../alert/types.js';
import { alertFromRow, haversineSql, select, type ArchivedAlert } from '../clickhouse/archive-queries.js';
import { catalogueColumns } from '../sink/columns.js';
import { floatLiteral, integerLiteral, quoteIdentifier, stringLiteral } from '../sink/sql.js';

/** Which archived alerts a job reads: a time range (MJD, end exclusive), a cone (arcsec), a survey. */
export interface ScanRange {
  since?: number;
  until?: number;
  cone?: { ra: number; dec: number; radiusArcsec: number };
  survey?: Survey;
}

/**
 * Archived alerts in time order, a page at a time (keyset pagination on mjd, survey, alertId), each
 * deduplicated (FINAL) and built as GET /alerts/{id} shows it, with its own light curve: exactly
 * what the worker had when the alert arrived, never points learnt from later alerts.
 */
export class ArchiveScan {
  private readonly booleans = catalogueColumns(allFields()).filter((c) => c.field.type === 'boolean').map((c) => c.name);

  constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    private readonly range: ScanRange,
    private readonly pageSize: number,
  ) {}

  private get table(): string {
    return `${quoteIdentifier(this.database)}.${quoteIdentifier('alerts')}`;
  }

  private conditions(): string[] {
    const { since, until, cone, survey } = this.range;
    const where: string[] = [];
    if (since !== undefined) where.push(`mjd >= ${floatLiteral(since)}`);
    if (until !== undefined) where.push(`mjd < ${floatLiteral(until)}`);
    if (survey !== undefined) where.push(`survey = ${stringLiteral(survey)}`);
    if (cone) where.push(`${haversineSql(cone.ra, cone.dec)} <= ${floatLiteral(cone.radiusArcsec / 3600)}`);
    return where;
  }

  async count(): Promise<number> {
    const where = this.conditions();
    const [row] = await select<{ n: string | number }>(this.client, `SELECT count() AS n FROM ${this.table} FINAL${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`, 'alerts');
    return Number(row?.n ?? 0);
  }

  async *alerts(signal?: AbortSignal): AsyncGenerator<ArchivedAlert[]> {
    let after: { mjd: number; survey: string; alertId: string } | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const where = this.conditions();
      if (after) {
        const { mjd, survey, alertId } = after;
        where.push(`(mjd > ${floatLiteral(mjd)} OR (mjd = ${floatLiteral(mjd)} AND (survey > ${stringLiteral(survey)} OR (survey = ${stringLiteral(survey)} AND alertId > ${stringLiteral(alertId)}))))`);
      }
      const rows = await select<Record<string, unknown>>(
        this.client,
        `SELECT *, toUnixTimestamp(ingested_at) AS ingested_unix FROM ${this.table} FINAL${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY mjd, survey, alertId LIMIT ${integerLiteral(this.pageSize)}`,
        'alerts',
      );
      if (rows.length === 0) return;
      const page = rows.map((row) => alertFromRow(row, this.booleans));
      yield page;
      const last = page.at(-1)!;
      after = { mjd: last.mjd, survey: last.survey, alertId: last.alertId };
      if (rows.length < this.pageSize) return;
    }
  }

  /** The three cutouts of each alert (base64 FITS), by alert id. */
  async cutouts(alertIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
    const out = new Map<string, Record<string, string>>();
    if (alertIds.length === 0) return out;
    const rows = await select<{ alertId: string; kind: string; fits: string }>(
      this.client,
      `SELECT alertId, kind, fits FROM ${quoteIdentifier(this.database)}.${quoteIdentifier('cutouts')} FINAL WHERE alertId IN (${alertIds.map(stringLiteral).join(', ')})`,
      'cutouts',
    );
    for (const { alertId, kind, fits } of rows) {
      const entry = out.get(alertId) ?? {};
      entry[kind] = fits;
      out.set(alertId, entry);
    }
    return out;
  }
}
