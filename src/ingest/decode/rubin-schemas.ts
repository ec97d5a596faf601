/**
 * The Rubin alert schemas bundled under schemas/lsst/<M.m>/. Confluent schema id = major×100 +
 * minor (9.0 → 900, 11.1 → 1101). Each version's record schemas (diaSource, diaObject, ...) are
 * compiled into one name registry before the alert schema, which refers to them by full name.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type avro from 'avsc';
import { compileSchema } from './compile.js';
import type { DecodeLimits } from './guard.js';

/** schemas/lsst at the package root (found from this file, not the working directory). */
export const bundledRubinSchemaDir = fileURLToPath(new URL('../../../schemas/lsst/', import.meta.url));

export interface RubinWriter {
  version: string;
  schemaId: number;
  type: avro.Type;
}

export function rubinSchemaId(version: string): number {
  const [major, minor] = version.split('.').map(Number);
  return major! * 100 + minor!;
}

/** Every bundled version, keyed by Confluent schema id. */
export function loadBundledRubinSchemas(limits: DecodeLimits, dir = bundledRubinSchemaDir): Map<number, RubinWriter> {
  const out = new Map<number, RubinWriter>();
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^\d+\.\d+$/.test(entry.name)) continue;
    const writer = { version: entry.name, schemaId: rubinSchemaId(entry.name), type: compileVersion(join(dir, entry.name), limits) };
    out.set(writer.schemaId, writer);
  }
  return out;
}

/** The alert schema of one version directory, compiled after its record schemas. */
export function compileVersion(dir: string, limits: DecodeLimits): avro.Type {
  const files = readdirSync(dir).filter((name) => name.endsWith('.avsc')).sort();
  const alertFile = files.find((name) => name.endsWith('.alert.avsc'));
  if (!alertFile) throw new Error(`no *.alert.avsc in ${dir}`);
  const registry: Record<string, avro.Type> = {};
  for (const name of files.filter((n) => n !== alertFile)) compileSchema(readSchema(join(dir, name)), limits, 'lsst', registry);
  return compileSchema(readSchema(join(dir, alertFile)), limits, 'lsst', registry);
}

function readSchema(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
