/**
 * Compiling writer schemas for decoding, and caching them by fingerprint. ZTF sends its writer
 * schema with every message; compiling one takes milliseconds, decoding a record with it far
 * less, so each distinct schema is compiled once.
 */
import { createHash } from 'node:crypto';
import avro from 'avsc';
import { NightjarError } from '../../errors/index.js';
import { guardedTypeHook, type DecodeLimits } from './guard.js';
import { decimalStringLong } from './longs.js';
import { missingValueTypeHook, type MissingPolicy, type TypeHook } from './missing.js';

export function schemaFingerprint(schemaText: string): string {
  return createHash('sha256').update(schemaText).digest('hex');
}

/**
 * Defaults play no part when reading with the writer schema, and some ZTF 3.3 producers declare
 * union defaults that do not match the first branch (`["float","null"]` with default null), which
 * avsc refuses; so every default is removed before compiling.
 */
export function withoutDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutDefaults);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (key !== 'default') out[key] = withoutDefaults(value);
  return out;
}

/**
 * Options for every type the decoder compiles: longs as exact decimal strings, plain (unwrapped)
 * union values, guarded arrays and maps, missing values read as null. `registry` collects named
 * types (pass the same object to compile schemas that refer to each other).
 */
export function decoderTypeOptions(limits: DecodeLimits, missing: MissingPolicy, registry: Record<string, avro.Type> = {}): Partial<avro.ForSchemaOptions> {
  registry.long = decimalStringLong;
  const hooks: TypeHook[] = [missingValueTypeHook(missing), guardedTypeHook(limits)];
  const typeHook = (schema: unknown, opts: unknown) => {
    for (const hook of hooks) {
      const type = hook(schema, opts);
      if (type) return type;
    }
    return undefined;
  };
  return { registry, wrapUnions: 'never', typeHook: typeHook as avro.ForSchemaOptions['typeHook'] };
}

/** Compiles a writer schema for decoding; DECODE_SCHEMA_INVALID when it cannot be. */
export function compileSchema(schema: unknown, limits: DecodeLimits, missing: MissingPolicy, registry: Record<string, avro.Type> = {}): avro.Type {
  try {
    return avro.Type.forSchema(withoutDefaults(schema) as avro.Schema, decoderTypeOptions(limits, missing, registry));
  } catch (err) {
    throw new NightjarError('DECODE_SCHEMA_INVALID', `the writer schema cannot be compiled: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * A bounded cache of compiled writer types keyed by the writer schema's bytes. The fingerprint is
 * the schema's length, confirmed by comparing the bytes (a memcmp of the ≈23 KB ZTF schema costs
 * about a microsecond; hashing it with SHA-256 on every message would cost a fifth of the decode),
 * so a collision can never pick the wrong schema.
 */
export class WriterTypeCache<T> {
  private readonly entries = new Map<number, { bytes: Buffer; value: T }[]>();
  private count = 0;

  constructor(private readonly capacity = 64) {}

  get(schemaBytes: Buffer, build: (schemaText: string) => T): T {
    const bucket = this.entries.get(schemaBytes.length) ?? [];
    const hit = bucket.find((entry) => entry.bytes.equals(schemaBytes));
    if (hit) return hit.value;
    const value = build(schemaBytes.toString('utf8'));
    // A stream uses a handful of schemas; past the capacity, start over rather than grow.
    if (this.count >= this.capacity) {
      this.entries.clear();
      this.count = 0;
    }
    this.entries.set(schemaBytes.length, [...(this.entries.get(schemaBytes.length) ?? []), { bytes: Buffer.from(schemaBytes), value }]);
    this.count += 1;
    return value;
  }

  get size(): number {
    return this.count;
  }
}
