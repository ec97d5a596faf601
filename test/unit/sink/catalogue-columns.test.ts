import { describe, expect, it } from 'vitest';
import { allFields } from '../../../src/alert/catalogue.js';
import '../../../src/alert/fields.js';
import { alertTableColumns, catalogueColumns, columnType, isColumnField, REQUIRED_COLUMNS } from '../../../src/sink/columns.js';
import { archiveTables, createTableSql } from '../../../src/sink/ddl.js';

// The real catalogue: the archive must have a column, of the mapped type, for every core scalar field.
describe('alerts table against the field catalogue', () => {
  const fields = allFields();
  const sql = createTableSql('nightjar', archiveTables(fields).find((t) => t.name === 'alerts')!);

  it('has a column of the mapped type for every core scalar field', () => {
    const core = fields.filter(isColumnField);
    expect(core.length).toBeGreaterThanOrEqual(REQUIRED_COLUMNS.length);
    for (const field of core) expect(sql).toContain(`\`${field.path}\` ${columnType(field)}`);
  });

  it('finds the key fields in the catalogue with the types of the key columns', () => {
    const catalogued = catalogueColumns(fields).map(({ name, type }) => ({ name, type }));
    for (const column of REQUIRED_COLUMNS) expect(catalogued).toContainEqual(column);
  });

  it('has no column that is neither in the catalogue nor one of the archive columns', () => {
    const known = new Set([...fields.map((f) => f.path), 'sky_zone', 'synthetic', 'annotations', 'survey_record', 'ingested_at']);
    for (const column of alertTableColumns(fields)) expect(known).toContain(column.name);
  });
});
