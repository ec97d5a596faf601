import type { FieldDef, FieldType } from '../alert/catalogue.js';

/**
 * The columns of the `alerts` table that come from the field catalogue: every core field (a path
 * without a dot) whose type is a scalar. Arrays and objects are not columns: the light curve has
 * its own table, the survey record and annotations are kept as JSON. Generating the list here,
 * for the migration, the start-up column check and the row conversion alike, keeps the archive
 * from drifting from the catalogue.
 */
export interface CatalogueColumn {
  name: string;
  type: string;
  field: FieldDef;
}

/** Fields every alert has; they form the keys and never hold NULL. */
export const REQUIRED_FIELDS: readonly string[] = ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec'];


const scalarTypes: Record<Exclude<FieldType, 'array' | 'object'>, string> = {
  number: 'Float64',
  // Int64 holds every integer a survey sends; ids, which can exceed it, are strings.
  integer: 'Int64',
  string: 'String',
  boolean: 'UInt8',
  id: 'String',
};

export function isColumnField(field: FieldDef): boolean {
  return !field.path.includes('.') && !field.path.includes('{') && field.type !== 'array' && field.type !== 'object';
}

/** The ClickHouse type of a catalogue field's column, Nullable unless the field is required. */
export function columnType(field: FieldDef): string {
  if (field.type === 'array' || field.type === 'object') throw new Error(`field ${field.path} of type ${field.type} has no column`);
  const base = scalarTypes[field.type];
  return REQUIRED_FIELDS.includes(field.path) ? base : `Nullable(${base})`;
}

/** Catalogue columns in a stable order: the required fields first, then the rest by name. */
export function catalogueColumns(fields: readonly FieldDef[]): CatalogueColumn[] {
  const rank = (name: string) => {
    const i = REQUIRED_FIELDS.indexOf(name);
    return i < 0 ? REQUIRED_FIELDS.length : i;
  };
  return fields
    .filter(isColumnField)
    .map((field) => ({ name: field.path, type: columnType(field), field }))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

/**
 * Columns of `alerts` that Nightjar itself adds. `sky_zone` files the alert for cone search;
 * `synthetic` marks replayed test data; `ingested_at` is the ReplacingMergeTree version, so a
 * replayed insert replaces rather than duplicates.
 */
export const ARCHIVE_COLUMNS: readonly { name: string; type: string }[] = [
  { name: 'sky_zone', type: 'UInt32' },
  { name: 'synthetic', type: 'UInt8' },
  { name: 'annotations', type: 'String' },
  { name: 'survey_record', type: 'String' },
  // The alert's own light curve as the worker saw it (JSON): backfill jobs evaluate filters on
  // exactly this, never on points the archive learnt from later alerts.
  { name: 'lightcurve', type: 'String' },
  { name: 'ingested_at', type: 'DateTime' },
];

/** The key columns exist whatever the catalogue holds, so the table can always be created and sorted. */
export const REQUIRED_COLUMNS: readonly { name: string; type: string }[] = [
  { name: 'survey', type: 'String' },
  { name: 'alertId', type: 'String' },
  { name: 'objectId', type: 'String' },
  { name: 'mjd', type: 'Float64' },
  { name: 'ra', type: 'Float64' },
  { name: 'dec', type: 'Float64' },
];

/** Every column of `alerts`: the required ones, the other catalogue columns, then Nightjar's own. */
export function alertTableColumns(fields: readonly FieldDef[]): { name: string; type: string }[] {
  const taken = new Set([...REQUIRED_COLUMNS, ...ARCHIVE_COLUMNS].map((c) => c.name));
  const fromCatalogue = catalogueColumns(fields).filter((c) => !taken.has(c.name));
  return [...REQUIRED_COLUMNS, ...fromCatalogue.map(({ name, type }) => ({ name, type })), ...ARCHIVE_COLUMNS];
}
