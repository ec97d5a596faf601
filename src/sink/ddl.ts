import { identifier } from '../clickhouse/identifiers.js';
import type { FieldDef } from '../alert/catalogue.js';
import { alertTableColumns } from './columns.js';

/**
 * The archive's tables, in SQL that ClickHouse 18.16 and current releases both accept: plain
 * types (no LowCardinality, no codecs, no DateTime64), the `ORDER BY` form of MergeTree, and
 * ReplacingMergeTree so that a replayed insert replaces rather than duplicates. The version column
 * decides which copy a merge keeps: `ingested_at` (the latest write) for immutable facts,
 * `last_mjd_ms` for an object's state (the latest observation, whatever the arrival order).
 */
export interface TableSpec {
  name: string;
  columns: { name: string; type: string }[];
  version: string;
  orderBy: string[];
  /** Rows per primary-index mark (ClickHouse's default: 8192); reading one row reads a whole granule of every selected column. */
  indexGranularity?: number;
}

const time = { name: 'ingested_at', type: 'DateTime' };
const nullableFloat = (name: string) => ({ name, type: 'Nullable(Float64)' });

export function archiveTables(fields: readonly FieldDef[]): TableSpec[] {
  return [
    // One row per alert, looked up by id; the catalogue's scalar fields are columns. Small granules:
    // a lookup by id decompresses one granule of every column, and the JSON columns (light curve,
    // survey record) hold kilobytes per alert, hundreds of them for Rubin.
    { name: 'alerts', columns: alertTableColumns(fields), version: 'ingested_at', orderBy: ['survey', 'alertId'], indexGranularity: 256 },
    // The same alerts sorted by sky position, for cone search (see docs/archive.md).
    {
      name: 'alert_positions',
      columns: [
        ...['survey', 'alertId', 'objectId'].map((name) => ({ name, type: 'String' })),
        ...['mjd', 'ra', 'dec'].map((name) => ({ name, type: 'Float64' })),
        { name: 'sky_zone', type: 'UInt32' },
        { name: 'band', type: 'Nullable(String)' },
        nullableFloat('mag'),
        time,
      ],
      version: 'ingested_at',
      orderBy: ['sky_zone', 'ra', 'survey', 'alertId'],
    },
    {
      name: 'objects',
      columns: [
        ...['survey', 'objectId'].map((name) => ({ name, type: 'String' })),
        ...['ra', 'dec', 'lastMjd'].map((name) => ({ name, type: 'Float64' })),
        { name: 'lastAlertId', type: 'String' },
        { name: 'band', type: 'Nullable(String)' },
        nullableFloat('mag'),
        { name: 'annotations', type: 'String' },
        { name: 'last_mjd_ms', type: 'UInt64' },
        time,
      ],
      version: 'last_mjd_ms',
      orderBy: ['survey', 'objectId'],
    },
    // Every alert repeats its object's recent history; the key makes the repeats one row.
    {
      name: 'lightcurve_points',
      columns: [
        ...['survey', 'objectId'].map((name) => ({ name, type: 'String' })),
        { name: 'mjd', type: 'Float64' },
        ...['band', 'kind'].map((name) => ({ name, type: 'String' })),
        ...['mag', 'magErr', 'flux', 'fluxErr', 'limitMag'].map(nullableFloat),
        { name: 'alertId', type: 'String' },
        time,
      ],
      version: 'ingested_at',
      orderBy: ['survey', 'objectId', 'mjd', 'band', 'kind'],
    },
    {
      name: 'cutouts',
      columns: [...['alertId', 'kind', 'fits'].map((name) => ({ name, type: 'String' })), time],
      version: 'ingested_at',
      orderBy: ['alertId', 'kind'],
    },
    {
      name: 'matches',
      columns: [
        ...['owner', 'filterId'].map((name) => ({ name, type: 'String' })),
        { name: 'version', type: 'UInt32' },
        ...['alertId', 'objectId', 'survey'].map((name) => ({ name, type: 'String' })),
        { name: 'matchedAt', type: 'DateTime' },
        time,
      ],
      version: 'ingested_at',
      orderBy: ['owner', 'filterId', 'alertId'],
    },
  ];
}

/** Backtick quoting shared with the migrations. */
export const quoteIdentifier = identifier;

export function createTableSql(database: string, table: TableSpec): string {
  const columns = table.columns.map((c) => `  ${quoteIdentifier(c.name)} ${c.type}`).join(',\n');
  return [
    `CREATE TABLE IF NOT EXISTS ${quoteIdentifier(database)}.${quoteIdentifier(table.name)} (`,
    columns,
    `) ENGINE = ReplacingMergeTree(${quoteIdentifier(table.version)})`,
    `ORDER BY (${table.orderBy.map(quoteIdentifier).join(', ')})`,
    ...(table.indexGranularity === undefined ? [] : [`SETTINGS index_granularity = ${table.indexGranularity}`]),
  ].join('\n');
}
