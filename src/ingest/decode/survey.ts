/**
 * Which survey a writer schema carries, from its structure: a `candidate` record field is ZTF, a
 * `diaSource` record field is Rubin, whatever the schema is named (Fink re-publishes both as
 * `topLevelRecord`). Works on the schema JSON (before compiling, to choose the missing-value
 * policy) and on compiled types.
 */
import type avro from 'avsc';
import type { Survey } from '../../alert/types.js';

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

interface TypeShape {
  typeName: string;
  fields?: { name: string; type: TypeShape }[];
  types?: TypeShape[];
}

export function surveyOfType(type: avro.Type): Survey | null {
  const shape = type as unknown as TypeShape;
  if (shape.typeName !== 'record' || !shape.fields) return null;
  return surveyOfFields(shape.fields.filter((f) => typeHoldsRecord(f.type)).map((f) => f.name));
}

export function surveyOfSchema(schema: unknown): Survey | null {
  if (typeof schema !== 'object' || schema === null) return null;
  const fields = (schema as { fields?: unknown }).fields;
  if (!Array.isArray(fields)) return null;
  return surveyOfFields(fields.filter((f) => schemaHoldsRecord(f?.type)).map((f) => f.name as string));
}

function surveyOfFields(recordFields: string[]): Survey | null {
  if (recordFields.includes('candidate')) return 'ztf';
  if (recordFields.includes('diaSource')) return 'lsst';
  return null;
}

function typeHoldsRecord(type: TypeShape): boolean {
  return type.typeName === 'record' || (type.types ?? []).some((t) => t.typeName === 'record');
}

/** A record schema, a union with one, or a reference to a named type (Rubin refers to its records by name). */
function schemaHoldsRecord(type: unknown): boolean {
  if (Array.isArray(type)) return type.some(schemaHoldsRecord);
  if (typeof type === 'string') return !PRIMITIVES.has(type);
  return typeof type === 'object' && type !== null && (type as { type?: unknown }).type === 'record';
}
