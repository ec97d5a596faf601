/**
 * Memory guards for hostile records. avsc trusts an array or map block's declared count: it
 * preallocates `new Array(count)` and loops `count` times, reading past the end of the buffer
 * without complaint, so one forged varint can ask for billions of elements. Types compiled with
 * `guardedTypeHook` build every array and map with a read and skip that check each block's count
 * before reading it: against the configured element limit, and against the bytes left (every
 * element of a non-empty type takes at least one byte). Byte and string fields need no guard:
 * avsc never reads them past the end of the buffer. (avsc freezes its types, so the guard is a
 * subclass, not a patch.)
 */
import avro from 'avsc';
import { NightjarError } from '../../errors/index.js';

export interface DecodeLimits {
  /** Most elements in one array or map. */
  maxArrayLength: number;
}

/** avsc's internal reader position (lib/utils.js Tap); only what the guard needs. */
interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  readString(): string;
  skipString(): void;
}

interface InternalType {
  typeName: string;
  _read(tap: Tap): unknown;
  _skip(tap: Tap): void;
}

type TypeConstructor = new (schema: unknown, opts: unknown) => avro.Type;
export type TypeHook = (schema: unknown, opts: unknown) => avro.Type | undefined;

/** A `typeHook` for avsc's Type.forSchema that builds every array and map guarded. */
export function guardedTypeHook(limits: DecodeLimits): TypeHook {
  const { GuardedArray, GuardedMap } = guardedClasses(limits);
  return (schema, opts) => {
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
    const kind = (schema as { type?: unknown }).type;
    if (kind === 'array') return new GuardedArray(schema, opts);
    if (kind === 'map') return new GuardedMap(schema, opts);
    return undefined;
  };
}

/** Fewest bytes one value of the type can take (0 for null, empty records, zero-size fixed). */
export function minEncodedBytes(type: InternalType, seen = new Set<object>()): number {
  if (seen.has(type)) return 1;
  seen.add(type);
  const t = type as unknown as Record<string, unknown>;
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'fixed':
      return Math.min(1, t.size as number);
    case 'record':
    case 'error':
      return (t.fields as { type: InternalType }[]).some((f) => minEncodedBytes(f.type, seen) > 0) ? 1 : 0;
    default:
      return t.underlyingType ? minEncodedBytes(t.underlyingType as InternalType, seen) : 1;
  }
}

/** Throws unless `count` more elements (`total` read so far) fit the limit and the bytes left. */
function checkBlock(count: number, total: number, tap: Tap, minBytes: number, limits: DecodeLimits, what: string): void {
  if (!Number.isFinite(count) || total + count > limits.maxArrayLength) {
    throw new NightjarError('DECODE_OVERSIZED_FIELD', `${what} declares ${total + count} elements; at most ${limits.maxArrayLength} are allowed (ingest.maxArrayLength)`, {
      details: { declared: total + count, limit: limits.maxArrayLength },
    });
  }
  const left = tap.buf.length - tap.pos;
  if (count * minBytes > left) {
    throw new NightjarError('DECODE_TRUNCATED', `${what} declares ${count} elements but only ${Math.max(left, 0)} bytes are left`, { details: { declared: count, bytesLeft: left } });
  }
}

/** A block's count; a negative count is followed by the block's size in bytes. */
function blockCount(tap: Tap): { count: number; size: number } {
  const n = tap.readLong();
  if (n >= 0) return { count: n, size: -1 };
  return { count: -n, size: tap.readLong() };
}

/** Computed once per array type (types are frozen, so the cache lives beside them). */
const minItemBytesCache = new WeakMap<object, number>();

function minItemBytesOf(type: { itemsType: InternalType }): number {
  let bytes = minItemBytesCache.get(type);
  if (bytes === undefined) {
    bytes = minEncodedBytes(type.itemsType);
    minItemBytesCache.set(type, bytes);
  }
  return bytes;
}

function guardedClasses(limits: DecodeLimits): { GuardedArray: TypeConstructor; GuardedMap: TypeConstructor } {
  const base = avro.types as unknown as { ArrayType: TypeConstructor; MapType: TypeConstructor };

  class GuardedArray extends base.ArrayType {
    _read(tap: Tap): unknown[] {
      const self = this as unknown as { itemsType: InternalType };
      const items = self.itemsType;
      const minBytes = minItemBytesOf(self);
      const out: unknown[] = [];
      for (let block = blockCount(tap); block.count !== 0; block = blockCount(tap)) {
        checkBlock(block.count, out.length, tap, minBytes, limits, 'an array');
        for (let i = 0; i < block.count; i++) out.push(items._read(tap));
      }
      return out;
    }

    _skip(tap: Tap): void {
      const self = this as unknown as { itemsType: InternalType };
      const minBytes = minItemBytesOf(self);
      let total = 0;
      for (let block = blockCount(tap); block.count !== 0; block = blockCount(tap)) {
        checkBlock(block.count, total, tap, minBytes, limits, 'an array');
        total += block.count;
        if (block.size >= 0) tap.pos += block.size;
        else for (let i = 0; i < block.count; i++) self.itemsType._skip(tap);
      }
    }
  }

  class GuardedMap extends base.MapType {
    _read(tap: Tap): Record<string, unknown> {
      const values = (this as unknown as { valuesType: InternalType }).valuesType;
      const out: Record<string, unknown> = {};
      let total = 0;
      for (let block = blockCount(tap); block.count !== 0; block = blockCount(tap)) {
        // Every entry has a key, so at least one byte.
        checkBlock(block.count, total, tap, 1, limits, 'a map');
        total += block.count;
        for (let i = 0; i < block.count; i++) setEntry(out, tap.readString(), values._read(tap));
      }
      return out;
    }

    _skip(tap: Tap): void {
      const values = (this as unknown as { valuesType: InternalType }).valuesType;
      let total = 0;
      for (let block = blockCount(tap); block.count !== 0; block = blockCount(tap)) {
        checkBlock(block.count, total, tap, 1, limits, 'a map');
        total += block.count;
        if (block.size >= 0) tap.pos += block.size;
        else
          for (let i = 0; i < block.count; i++) {
            tap.skipString();
            values._skip(tap);
          }
      }
    }
  }

  return { GuardedArray, GuardedMap };
}

/** A map key `__proto__` from hostile input becomes an own property, never the object's prototype. */
function setEntry(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}
