import { describe, expect, it } from 'vitest';
import { alertTableColumns, catalogueColumns, columnType, REQUIRED_COLUMNS } from '../../../src/sink/columns.js';
import { archiveTables, createTableSql } from '../../../src/sink/ddl.js';
import { testFields } from './fixture.js';

describe('alert columns from the field catalogue', () => {
  it('makes a column of every core scalar field and of nothing else', () => {
    const names = catalogueColumns(testFields).map((c) => c.name);
    expect(names.slice(0, 6)).toEqual(['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec']);
    expect(names).toContain('ndethist');
    expect(names).toContain('isPositive');
    expect(names).not.toContain('lightcurve');
    expect(names.some((n) => n.includes('.') || n.includes('{'))).toBe(false);
  });

  it('maps field types to ClickHouse types, Nullable unless required', () => {
    const byName = Object.fromEntries(catalogueColumns(testFields).map((c) => [c.name, c.type]));
    expect(byName).toMatchObject({ survey: 'String', alertId: 'String', mjd: 'Float64', mag: 'Nullable(Float64)', isPositive: 'Nullable(UInt8)', ndethist: 'Nullable(Int64)' });
    expect(() => columnType(testFields.find((f) => f.path === 'lightcurve')!)).toThrow(/no column/);
  });

  it('writes the same columns into the alerts DDL', () => {
    const alerts = archiveTables(testFields).find((t) => t.name === 'alerts')!;
    const sql = createTableSql('nightjar', alerts);
    for (const column of alertTableColumns(testFields)) expect(sql).toContain(`\`${column.name}\` ${column.type}`);
    expect(sql).toMatch(/ENGINE = ReplacingMergeTree\(`ingested_at`\)\nORDER BY \(`survey`, `alertId`\)\nSETTINGS index_granularity = 256$/);
  });

  // A lookup by id decompresses one granule of every column; at the default 8,192 rows the JSON
  // columns made GET /alerts/{id} take ~10× longer (bench/api-lookup.ts).
  it('gives alerts small granules and leaves the other tables at the default', () => {
    const granularity = Object.fromEntries(archiveTables(testFields).map((t) => [t.name, t.indexGranularity]));
    expect(granularity).toEqual({ alerts: 256, alert_positions: undefined, objects: undefined, lightcurve_points: undefined, cutouts: undefined, matches: undefined });
    expect(createTableSql('nightjar', archiveTables(testFields).find((t) => t.name === 'objects')!)).not.toContain('SETTINGS');
  });

  it('types the required catalogue fields as the fixed key columns, and keeps them without a catalogue', () => {
    const fromCatalogue = catalogueColumns(testFields).slice(0, 6).map(({ name, type }) => ({ name, type }));
    expect(fromCatalogue).toEqual(REQUIRED_COLUMNS);
    expect(alertTableColumns([]).map((c) => c.name)).toEqual(['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'sky_zone', 'synthetic', 'annotations', 'survey_record', 'lightcurve', 'ingested_at']);
  });

  it('keys every table on the identity of what it stores', () => {
    const keys = Object.fromEntries(archiveTables(testFields).map((t) => [t.name, t.orderBy]));
    expect(keys).toEqual({
      alerts: ['survey', 'alertId'],
      alert_positions: ['sky_zone', 'ra', 'survey', 'alertId'],
      objects: ['survey', 'objectId'],
      lightcurve_points: ['survey', 'objectId', 'mjd', 'band', 'kind'],
      cutouts: ['alertId', 'kind'],
      matches: ['owner', 'filterId', 'alertId'],
    });
  });
});
