/**
 * Missing values become null while decoding, not in a second pass (and bytes are read as views, below): a Rubin alert with 700
 * history rows holds ~70,000 values, and walking them again costs as much as decoding them.
 * Types compiled with `missingValueTypeHook` read
 *  - every float and double: NaN as null (both surveys);
 *  - with the ZTF policy, also the sentinels −999, −9999, −99999 in float, double and int fields
 *    (e.g. ssdistnr, sgmag3, forcediffimflux) and the string "null" (ssnamenr) as null.
 * See docs/alert-model.md.
 */
import avro from 'avsc';

export type MissingPolicy = 'ztf' | 'lsst';

/** Values ZTF writes for "no value" in numeric fields. */
export const ZTF_SENTINELS: readonly number[] = [-999, -9999, -99999];

interface Tap {
  buf: Buffer;
  pos: number;
  readFloat(): number;
  readDouble(): number;
  readInt(): number;
  readLong(): number;
  readString(): string;
}

type PrimitiveConstructor = new () => avro.Type;
export type TypeHook = (schema: unknown, opts: unknown) => avro.Type | undefined;

const isZtfSentinel = (v: number): boolean => v === -999 || v === -9999 || v === -99999;

function missingTypes(policy: MissingPolicy): Record<string, avro.Type> {
  const base = avro.types as unknown as Record<'FloatType' | 'DoubleType' | 'IntType' | 'StringType' | 'BytesType', PrimitiveConstructor>;
  const ztf = policy === 'ztf';

  class NullableFloat extends base.FloatType {
    _read(tap: Tap): number | null {
      const v = tap.readFloat();
      return v !== v || (ztf && isZtfSentinel(v)) ? null : v;
    }
  }
  class NullableDouble extends base.DoubleType {
    _read(tap: Tap): number | null {
      const v = tap.readDouble();
      return v !== v || (ztf && isZtfSentinel(v)) ? null : v;
    }
  }
  class SentinelInt extends base.IntType {
    _read(tap: Tap): number | null {
      const v = tap.readInt();
      return isZtfSentinel(v) ? null : v;
    }
  }
  class NullString extends base.StringType {
    _read(tap: Tap): string | null {
      const v = tap.readString();
      return v === 'null' ? null : v;
    }
  }
  /**
   * Bytes as a view of the message rather than a copy: avsc allocates a zero-filled buffer and
   * copies into it, which for three ≈20 KB cutout stamps was a sixth of a ZTF decode. The view
   * lives as long as the message's buffer, which outlives the alert's processing anyway.
   */
  class BytesView extends base.BytesType {
    _read(tap: Tap): Buffer | undefined {
      const len = tap.readLong();
      const pos = tap.pos;
      if (len < 0) {
        tap.pos = tap.buf.length + 1; // invalid: the decoder reports the record as truncated
        return undefined;
      }
      tap.pos += len;
      return tap.pos > tap.buf.length ? undefined : tap.buf.subarray(pos, pos + len);
    }
  }
  const types: Record<string, avro.Type> = { float: new NullableFloat(), double: new NullableDouble(), bytes: new BytesView() };
  if (ztf) Object.assign(types, { int: new SentinelInt(), string: new NullString() });
  return types;
}

const typesByPolicy = new Map<MissingPolicy, Record<string, avro.Type>>();

/** A `typeHook` returning the missing-value-aware primitive types of `policy`. */
export function missingValueTypeHook(policy: MissingPolicy): TypeHook {
  let types = typesByPolicy.get(policy);
  if (!types) typesByPolicy.set(policy, (types = missingTypes(policy)));
  return (schema) => {
    if (typeof schema === 'string') return types[schema];
    if (typeof schema === 'object' && schema !== null && !Array.isArray(schema)) {
      const s = schema as { type?: unknown; logicalType?: unknown };
      if (typeof s.type === 'string' && s.logicalType === undefined && Object.keys(s).length === 1) return types[s.type];
    }
    return undefined;
  };
}
