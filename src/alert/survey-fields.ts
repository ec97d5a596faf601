/**
 * The survey fields of the catalogue (`ztf.*`, `lsst.*`), generated from the Avro schemas bundled
 * under schemas/ so they cannot drift from what the decoder reads: one entry per schema field,
 * with its type (Avro → FieldType), its `doc` as description and the unit the doc states in
 * brackets. Examples are read from the real sample alerts bundled under schemas/samples/.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Survey } from './types.js';
import type { FieldDef, FieldType } from './catalogue.js';
import { compileSchema } from '../ingest/decode/compile.js';
import { decodeAt, ocfBlocks, parseOcfHeader } from '../ingest/decode/ocf.js';
import { rubinSchemaId } from '../ingest/decode/rubin-schemas.js';

const SCHEMAS = fileURLToPath(new URL('../../schemas/', import.meta.url));
const SAMPLE_LIMITS = { maxArrayLength: 100_000 };

/** The survey records' top-level fields carry no doc in the schemas. */
const TOP_LEVEL_DOCS: Record<string, string> = {
  schemavsn: 'ZTF alert schema version',
  publisher: 'Who published the alert',
  objectId: 'ZTF object name (e.g. ZTF17aaarzyp)',
  candid: 'Candidate id of this alert (same as ztf.candidate.candid)',
  prv_candidates: 'Previous candidates at this position from the last 30 days: detections (candid set) and upper limits (candid null, diffmaglim only).',
  fp_hists: 'Forced-photometry history at this position (schema 4.x); forcediffimflux in DN at zero point magzpsci, −99999 (read as null) when the measurement failed.',
  diaSourceId: 'Identifier of the triggering DiaSource',
  prvDiaSources: 'Previous detections (DiaSources) of the same DiaObject.',
  prvDiaForcedSources: 'Forced photometry (DiaForcedSources) at the DiaObject position.',
};

interface AvroField {
  name: string;
  type: unknown;
  doc?: string;
}

type Row = Record<string, unknown>;

/** Every ztf.* and lsst.* field. */
export function surveyFields(): FieldDef[] {
  return [...ztfFields(), ...lsstFields()];
}

function ztfFields(): FieldDef[] {
  const dir = join(SCHEMAS, 'ztf', latestVersion(join(SCHEMAS, 'ztf')));
  const example = sampleRecord('ztf', /v4_02\.avro$/, 0);
  const alert = readRecord(join(dir, 'alert.avsc'));
  const out: FieldDef[] = [];
  for (const field of alert.fields) {
    if (field.name.startsWith('cutout')) continue;
    if (field.name === 'candidate') {
      const candidate = readRecord(join(dir, 'candidate.avsc'));
      out.push(...candidate.fields.map((f) => fieldDef('ztf', `ztf.candidate.${f.name}`, f, (example?.candidate as Row | undefined)?.[f.name], 'ztf.candidate')));
    } else {
      out.push(fieldDef('ztf', `ztf.${field.name}`, field, arrayExample(example?.[field.name]), 'ztf', itemsNote(dir, field)));
    }
  }
  return out;
}

/** Rubin fields over every bundled version, newest first: a field's entry comes from the newest version that has it. */
function lsstFields(): FieldDef[] {
  const root = join(SCHEMAS, 'lsst');
  const versions = listVersions(root).sort((a, b) => rubinSchemaId(b) - rubinSchemaId(a));
  const example = sampleRecord('lsst', /fink_rubin_4alerts\.avro$/, 1);
  const out = new Map<string, FieldDef>();
  const add = (def: FieldDef) => {
    if (!out.has(def.path)) out.set(def.path, def);
  };
  for (const version of versions) {
    const dir = join(root, version);
    const files = readdirSync(dir);
    const alertFile = files.find((f) => f.endsWith('.alert.avsc'))!;
    for (const field of readRecord(join(dir, alertFile)).fields) {
      if (field.name.startsWith('cutout')) continue;
      const recordFile = files.find((f) => f.endsWith(`.${field.name}.avsc`));
      if (recordFile && ['diaSource', 'diaObject', 'ssSource'].includes(field.name)) {
        const sub = example?.[field.name] as Row | undefined;
        for (const f of readRecord(join(dir, recordFile)).fields) add(fieldDef('lsst', `lsst.${field.name}.${f.name}`, f, sub?.[f.name], `lsst.${field.name}`));
      } else {
        add(fieldDef('lsst', `lsst.${field.name}`, field, arrayExample(example?.[field.name]), 'lsst', referencedNote(field)));
      }
    }
  }
  return [...out.values()];
}

function fieldDef(survey: Survey, path: string, field: AvroField, example: unknown, group: string, note = ''): FieldDef {
  const def: FieldDef = {
    path,
    type: fieldType(field.type, field.name),
    description: `${(field.doc ?? '').trim() || TOP_LEVEL_DOCS[field.name] || `The ${field.name} field of the survey record.`}${note}`,
    surveys: [survey],
    example: example === undefined ? null : example,
    group,
  };
  const unit = unitOf(field.doc);
  if (unit) def.unit = unit;
  return def;
}

/** Avro → catalogue type. Longs are ids and exact 64-bit counters, read as decimal strings: `id`. */
export function fieldType(avro: unknown, name = ''): FieldType {
  if (Array.isArray(avro)) {
    const branches = avro.filter((b) => b !== 'null');
    return branches.length === 1 ? fieldType(branches[0], name) : 'object';
  }
  const type = typeof avro === 'object' && avro !== null ? (avro as { type: unknown; logicalType?: unknown }).type : avro;
  switch (type) {
    case 'double':
    case 'float':
      return 'number';
    case 'int':
      return 'integer';
    case 'long':
      return 'id';
    case 'boolean':
      return 'boolean';
    case 'string':
    case 'enum':
    case 'bytes':
      return 'string';
    case 'array':
      return 'array';
    default:
      return 'object';
  }
}

/** The unit a schema doc gives in brackets at its end, e.g. "… [deg]", "… [nJy]." */
export function unitOf(doc: string | undefined): string | undefined {
  const matches = [...(doc ?? '').matchAll(/\[([^\][]{1,16})\]/g)].map((m) => m[1]!.trim());
  const unit = matches.at(-1);
  if (!unit || /\s|\.\.|=|;/.test(unit)) return undefined;
  return unit;
}

function itemsNote(dir: string, field: AvroField): string {
  const file = field.name === 'prv_candidates' ? 'prv_candidate.avsc' : field.name === 'fp_hists' ? 'fp_hist.avsc' : null;
  if (!file || !existsSync(join(dir, file))) return '';
  const names = readRecord(join(dir, file)).fields.map((f) => f.name);
  return ` Items have the fields: ${names.join(', ')}.`;
}

function referencedNote(field: AvroField): string {
  const text = JSON.stringify(field.type);
  const name = /"(lsst\.v\d+_\d+\.\w+)"/.exec(text)?.[1];
  return name ? ` (Avro type ${name}.)` : '';
}

/** For arrays of records: the first item with its first three fields, enough to show the shape. */
function arrayExample(value: unknown): unknown {
  if (Array.isArray(value)) {
    const first = value[0];
    if (typeof first !== 'object' || first === null) return value.slice(0, 1);
    return [Object.fromEntries(Object.entries(first).slice(0, 3))];
  }
  if (typeof value === 'object' && value !== null) return null;
  return value;
}

function readRecord(path: string): { fields: AvroField[] } {
  return JSON.parse(readFileSync(path, 'utf8')) as { fields: AvroField[] };
}

function listVersions(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir).filter((name) => /^\d+\.\d+$/.test(name)) : [];
}

function latestVersion(dir: string): string {
  return listVersions(dir).sort((a, b) => Number(b) - Number(a))[0]!;
}

/** Record `index` of the bundled sample container matching `pattern`, decoded as the decoder does; null when absent. */
function sampleRecord(survey: Survey, pattern: RegExp, index: number): Row | null {
  const dir = join(SCHEMAS, 'samples', survey);
  const file = existsSync(dir) ? readdirSync(dir).find((name) => pattern.test(name)) : undefined;
  if (!file) return null;
  const buf = readFileSync(join(dir, file));
  const header = parseOcfHeader(buf);
  const type = compileSchema(JSON.parse(header.schemaBytes.toString('utf8')), SAMPLE_LIMITS, survey);
  let seen = 0;
  for (const block of ocfBlocks(buf, header)) {
    let pos = 0;
    for (let i = 0; i < block.count; i++, seen++) {
      const { value, offset } = decodeAt(type, block.data, pos, 'sample record');
      if (seen === index) return value as Row;
      pos = offset;
    }
  }
  return null;
}
