import { createReadStream } from 'node:fs';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import { NightjarError } from '../../errors/index.js';
import { readCsv } from './csv.js';
import type { CatalogConfig } from './types.js';

/** A catalog row as the loader needs it: id, ra, dec, then the configured columns as text. A returned promise holds back reading until it settles. */
export type RowSink = (id: string, ra: number, dec: number, values: string[]) => void | Promise<void>;

export function wantedColumns(config: CatalogConfig): string[] {
  return [config.idColumn, config.raColumn, config.decColumn, ...config.columns];
}

export async function readCsvCatalog(config: CatalogConfig, sink: RowSink): Promise<void> {
  let positions: number[] = [];
  await readCsv(
    createReadStream(config.file, { encoding: 'utf8', highWaterMark: 1 << 20 }),
    (header) => {
      positions = resolveColumns(config, header);
    },
    (record) => {
      const [idAt, raAt, decAt, ...rest] = positions;
      return sink(record[idAt!] ?? '', toNumber(record[raAt!]), toNumber(record[decAt!]), rest.map((p) => record[p] ?? ''));
    },
  );
}

/** Reads one row group at a time so memory stays proportional to a row group, not the file. */
export async function readParquetCatalog(config: CatalogConfig, sink: RowSink): Promise<void> {
  const file = await asyncBufferFromFile(config.file);
  const metadata = await parquetMetadataAsync(file);
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  resolveColumns(config, names);
  const columns = wantedColumns(config);
  const pending: Promise<void>[] = [];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    await parquetRead({
      file,
      metadata,
      columns,
      rowStart,
      rowEnd,
      onComplete: (rows: unknown[][]) => {
        for (const row of rows) {
          const written = sink(text(row[0]), toNumber(row[1]), toNumber(row[2]), row.slice(3).map(text));
          if (written) pending.push(written);
        }
      },
    });
    await Promise.all(pending.splice(0));
    rowStart = rowEnd;
  }
}

/** Like Number(), except that blank text and null are missing (NaN), not 0. */
function toNumber(value: unknown): number {
  if (value === null || value === undefined) return NaN;
  if (typeof value === 'string' && value.trim() === '') return NaN;
  return Number(value);
}

function text(value: unknown): string {
  return value === null || value === undefined ? '' : String(value);
}

function resolveColumns(config: CatalogConfig, header: readonly string[]): number[] {
  return wantedColumns(config).map((name) => {
    const at = header.indexOf(name);
    if (at < 0) {
      throw new NightjarError('CATALOG_INVALID', `catalog ${config.name}: column "${name}" is not in ${config.file}`, {
        details: { catalog: config.name, column: name, available: header.slice(0, 50) },
      });
    }
    return at;
  });
}
