import type { ClickHouseClient } from '@clickhouse/client';
import type { FieldDef } from '../alert/catalogue.js';
import type { Logger } from '../log/logger.js';
import { alertTableColumns } from './columns.js';
import { archiveTables, createTableSql, quoteIdentifier } from './ddl.js';
import { stringLiteral } from './sql.js';

/** Creates every archive table that does not exist yet (what migration 010 runs). */
export async function createArchiveTables(client: ClickHouseClient, database: string, fields: readonly FieldDef[]): Promise<void> {
  for (const table of archiveTables(fields)) await client.command({ query: createTableSql(database, table) });
}

/**
 * Adds to `alerts` a column for every catalogue field registered since the table was created, so
 * a field added to the catalogue is archived from the next start on, without a hand-written
 * migration. A column whose type no longer matches the catalogue is reported, not altered:
 * changing a type rewrites data and is a deliberate migration. ClickHouse 18.16 has no
 * `ADD COLUMN IF NOT EXISTS`, hence the look at system.columns first.
 */
export async function addMissingAlertColumns(client: ClickHouseClient, database: string, fields: readonly FieldDef[], logger: Logger): Promise<string[]> {
  const result = await client.query({
    query: `SELECT name, type FROM system.columns WHERE database = ${stringLiteral(database)} AND table = 'alerts'`,
    format: 'JSONEachRow',
  });
  const existing = new Map((await result.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
  const added: string[] = [];
  for (const column of alertTableColumns(fields)) {
    const type = existing.get(column.name);
    if (type === undefined) {
      await client.command({ query: `ALTER TABLE ${quoteIdentifier(database)}.alerts ADD COLUMN ${quoteIdentifier(column.name)} ${column.type}` });
      added.push(column.name);
    } else if (type !== column.type) {
      logger.warn({ column: column.name, archived: type, catalogue: column.type }, 'alerts column type differs from the field catalogue');
    }
  }
  if (added.length > 0) logger.info({ columns: added }, 'added catalogue fields to the alerts table');
  return added;
}
