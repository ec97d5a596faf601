/**
 * Avro output of per-user match messages, Confluent-framed (0x00, 4-byte big-endian schema id,
 * Avro binary) so Confluent deserializers and schema-registry-aware consumers read them as they
 * are. The schema `nightjar.Match` is generated from the field catalogue, like the JSON Schema
 * (src/alert/json-schema.ts), so output and catalogue cannot drift; the generated schema is
 * checked in at schemas/nightjar/match-v1.avsc and a unit test keeps the two equal.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import '../alert/fields.js';
import { allFields, type FieldDef, type FieldType } from '../alert/catalogue.js';
import type { Alert, Cutouts, LightCurvePoint } from '../alert/types.js';
import { surveyRecord } from '../alert/json.js';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { confluentFrame, confluentPayload, confluentSchemaId } from '../ingest/wire.js';
import type { MatchTarget } from './match.js';

export type AvroSchema = Record<string, unknown>;

/**
 * The id Confluent framing carries when no schema registry is configured: by convention the
 * bundled match schema version v is registered under 9000 + v (docs/outputs.md), far from
 * Rubin's M×100+m alert schema ids.
 */
export const MATCH_SCHEMA_ID = 9001;
export const MATCH_CONTENT_TYPE = 'application/vnd.nightjar.match.v1+avro';
export const MATCH_SCHEMA_FILE = fileURLToPath(new URL('../../schemas/nightjar/match-v1.avsc', import.meta.url));

/** Present on every alert and never null (as in the JSON Schema). */
const REQUIRED = new Set(['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec']);
const ANNOTATION_NAMESPACES = ['xmatch', 'lc', 'anomaly', 'watchlist', 'watchmap'] as const;
const SURVEY_RECORDS = ['ztf', 'lsst'] as const;
/** Core fields carried in a shape of their own instead of by their catalogue type. */
const SHAPED = new Set<string>(['lightcurve', 'cutouts', ...SURVEY_RECORDS, ...ANNOTATION_NAMESPACES]);
const CUTOUTS = [
  ['cutoutScience', 'science'],
  ['cutoutTemplate', 'template'],
  ['cutoutDifference', 'difference'],
] as const satisfies readonly (readonly [string, keyof Cutouts])[];

const AVRO_TYPES: Partial<Record<FieldType, string>> = { number: 'double', integer: 'long', string: 'string', id: 'string', boolean: 'boolean' };

// ---- schema ----------------------------------------------------------------------------------

/** Scalar core fields (no dot in the path), in catalogue order. */
function scalarCoreFields(): FieldDef[] {
  return allFields().filter((def) => !def.path.includes('.') && !SHAPED.has(def.path));
}

/** Array and object fields without a shape of their own travel as JSON text. */
function isJsonText(def: FieldDef): boolean {
  return AVRO_TYPES[def.type] === undefined;
}

function describe(def: FieldDef | undefined, fallback: string): string {
  if (!def) return fallback;
  return def.unit ? `${def.description} [${def.unit}]` : def.description;
}

function nullable(type: unknown, doc: string, name: string): AvroSchema {
  return { name, type: ['null', type], default: null, doc };
}

function scalarField(def: FieldDef): AvroSchema {
  const doc = describe(def, def.path) + (isJsonText(def) ? ' (JSON text)' : '');
  const type = AVRO_TYPES[def.type] ?? 'string';
  return REQUIRED.has(def.path) ? { name: def.path, type, doc } : nullable(type, doc, def.path);
}

const lightCurvePoint: AvroSchema = {
  type: 'record',
  name: 'LightCurvePoint',
  fields: [
    { name: 'mjd', type: 'double' },
    { name: 'band', type: ['null', 'string'], default: null },
    { name: 'kind', type: 'string', doc: 'detection, upperlimit or forced' },
    ...['mag', 'magErr', 'flux', 'fluxErr', 'limitMag'].map((name) => ({ name, type: ['null', 'double'], default: null })),
  ],
};

/** The Avro schema of a match message, generated from the field catalogue. */
export function matchAvroSchema(): AvroSchema {
  const doc = (path: string) => describe(allFields().find((def) => def.path === path), path);
  const alert: AvroSchema = {
    type: 'record',
    name: 'Alert',
    doc: 'A normalised alert with its annotations; fields in docs/fields.md.',
    fields: [
      ...scalarCoreFields().map(scalarField),
      nullable({ type: 'array', items: lightCurvePoint }, `${doc('lightcurve')}; null unless the filter version asks for it`, 'lightcurve'),
      nullable('string', `JSON of the annotation namespaces present (${ANNOTATION_NAMESPACES.join(', ')}), as in the JSON output`, 'annotations'),
      nullable('string', `JSON of the survey record: ${SURVEY_RECORDS.map(doc).join('; ')}`, 'survey_record'),
      ...CUTOUTS.map(([name, which]) => nullable('bytes', `The ${which} stamp: ${doc('cutouts')}; null unless the filter version asks for cutouts`, name)),
    ],
  };
  return {
    type: 'record',
    name: 'Match',
    namespace: 'nightjar',
    doc: 'One match of a filter version on a per-user topic (docs/outputs.md).',
    fields: [
      { name: 'filterId', type: 'string', doc: 'The id of the filter that matched' },
      { name: 'filterVersion', type: 'int', doc: 'The filter version that matched' },
      { name: 'owner', type: 'string', doc: 'The owner of the filter' },
      { name: 'matchedAt', type: 'string', doc: 'When the filter matched, ISO 8601 UTC' },
      { name: 'alert', type: alert },
    ],
  };
}

/** The checked-in schema file's text: pretty JSON with a final newline. */
export function matchSchemaText(): string {
  return `${JSON.stringify(matchAvroSchema(), null, 2)}\n`;
}

/** Regenerates schemas/nightjar/match-v1.avsc after a catalogue change. */
export function writeMatchSchemaFile(path = MATCH_SCHEMA_FILE): void {
  writeFileSync(path, matchSchemaText());
}

let compiled: avro.Type | undefined;

/** Compiled once: compiling is far more expensive than encoding. */
function matchType(): avro.Type {
  return (compiled ??= avro.Type.forSchema(matchAvroSchema() as avro.Schema));
}

// ---- records ---------------------------------------------------------------------------------

export interface MatchAvro {
  filterId: string;
  filterVersion: number;
  owner: string;
  matchedAt: string;
  alert: Record<string, unknown> & {
    survey: string;
    alertId: string;
    objectId: string;
    lightcurve: LightCurvePoint[] | null;
    annotations: string | null;
    survey_record: string | null;
    cutoutScience: Buffer | null;
    cutoutTemplate: Buffer | null;
    cutoutDifference: Buffer | null;
  };
}

/** allFields() sorts the whole catalogue; the record's scalar fields are fixed once the type is compiled. */
let encodedScalars: FieldDef[] | undefined;

type MatchSource = Pick<MatchTarget, 'filterId' | 'version' | 'owner' | 'output'>;

export function matchAvroRecord(alert: Alert, target: MatchSource, matchedAt: Date): MatchAvro {
  const { lightcurve, cutouts } = target.output;
  const record: Record<string, unknown> = {};
  for (const def of (encodedScalars ??= scalarCoreFields())) {
    const value = (alert as unknown as Record<string, unknown>)[def.path] ?? null;
    record[def.path] = value !== null && isJsonText(def) ? JSON.stringify(value) : value;
  }
  const survey = SURVEY_RECORDS.map((name) => alert[name]).find((value) => value !== undefined);
  Object.assign(record, {
    lightcurve: lightcurve ? alert.lightcurve : null,
    annotations: annotationsJson(alert),
    // Without the light curve the record leaves out its history too (as in JSON output).
    survey_record: survey === undefined ? null : JSON.stringify(surveyRecord(survey, lightcurve)),
  });
  for (const [name, which] of CUTOUTS) record[name] = cutouts ? asBuffer(alert.cutouts?.[which] ?? null) : null;
  return { filterId: target.filterId, filterVersion: target.version, owner: target.owner, matchedAt: matchedAt.toISOString(), alert: record as MatchAvro['alert'] };
}

function annotationsJson(alert: Alert): string | null {
  const present = ANNOTATION_NAMESPACES.filter((name) => alert[name] !== undefined);
  return present.length === 0 ? null : JSON.stringify(Object.fromEntries(present.map((name) => [name, alert[name]])));
}

function asBuffer(bytes: Uint8Array | null): Buffer | null {
  return bytes === null ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// ---- wire ------------------------------------------------------------------------------------

/** 0x00 + 4-byte big-endian schema id + the Avro binary of the match. */
export function encodeMatchAvro(alert: Alert, target: MatchSource, matchedAt: Date, schemaId: number = MATCH_SCHEMA_ID): Buffer {
  const record = matchAvroRecord(alert, target, matchedAt);
  let payload: Buffer;
  try {
    payload = matchType().toBuffer(record);
  } catch (err) {
    throw new NightjarError('MATCH_ENCODE_FAILED', `alert ${alert.alertId} does not fit the Avro match schema: ${invalidPaths(record).join(', ') || String(err)}`, {
      cause: err,
      details: { alertId: alert.alertId, paths: invalidPaths(record) },
    });
  }
  return confluentFrame(schemaId, payload);
}

function invalidPaths(record: MatchAvro): string[] {
  const paths: string[] = [];
  matchType().isValid(record, { errorHook: (path) => paths.push(path.join('.')) });
  return paths;
}

/** Reads a match message written with the bundled schema (or one registered from it). */
export function decodeMatchAvro(bytes: Uint8Array): { schemaId: number; match: MatchAvro } {
  const schemaId = confluentSchemaId(bytes);
  if (schemaId === null) throw new NightjarError('MATCH_DECODE_INVALID', 'a match message starts with 0x00 and a 4-byte schema id, followed by the record');
  try {
    return { schemaId, match: matchType().fromBuffer(confluentPayload(bytes)) as MatchAvro };
  } catch (err) {
    throw new NightjarError('MATCH_DECODE_INVALID', `the bytes after the framing are not a nightjar.Match record: ${(err as Error).message}`, { cause: err, details: { schemaId } });
  }
}

// ---- schema id -------------------------------------------------------------------------------

interface Registrar {
  register(schema: { type: SchemaType; schema: string }, options: { subject: string }): Promise<{ id: number }>;
}

const resolvedIds = new Map<string, Promise<number>>();

/**
 * The schema id to frame matches on `topic` with: MATCH_SCHEMA_ID without a registry; with
 * config.schemaRegistry.url, the id the registry gives the match schema under `<topic>-value`
 * (registered once per process and topic; a failed attempt is not cached, so the next retries).
 */
export function resolveMatchSchemaId(config: Pick<Config, 'schemaRegistry'>, topic: string, registrar?: Registrar): Promise<number> {
  const url = config.schemaRegistry.url;
  if (!url) return Promise.resolve(MATCH_SCHEMA_ID);
  const key = `${url} ${topic}`;
  let id = resolvedIds.get(key);
  if (!id) {
    id = register(registrar ?? registryClient(url), `${topic}-value`);
    resolvedIds.set(key, id);
    id.catch(() => resolvedIds.delete(key));
  }
  return id;
}

function registryClient(url: string): Registrar {
  return new SchemaRegistry({ host: url, retry: { retries: 1, initialRetryTimeInSecs: 0.05, maxRetryTimeInSecs: 1 } });
}

async function register(registrar: Registrar, subject: string): Promise<number> {
  try {
    const { id } = await registrar.register({ type: SchemaType.AVRO, schema: JSON.stringify(matchAvroSchema()) }, { subject });
    return id;
  } catch (err) {
    const status = (err as { status?: number }).status;
    throw new NightjarError('SCHEMA_REGISTRY_UNAVAILABLE', `the schema registry could not register the match schema under ${subject}: ${(err as Error).message}`, { cause: err, details: { subject, status } });
  }
}
