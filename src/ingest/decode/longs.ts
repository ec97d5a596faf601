/**
 * Avro longs as exact decimal strings. Ids (candid, diaSourceId, diaObjectId, ...) exceed 2^53,
 * where JavaScript numbers silently change them; avsc's default long type refuses them instead.
 * Reading every long as a decimal string keeps it exact and makes the decoded record JSON-ready
 * as it is, with no second pass over hundreds of history rows to convert BigInts.
 */
import avro from 'avsc';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d{1,19}$/.test(value)) return BigInt(value);
  throw new TypeError(`not a 64-bit integer: ${String(value)}`);
}

function isInt64(value: unknown): boolean {
  try {
    const n = toBigInt(value);
    return n >= INT64_MIN && n <= INT64_MAX;
  } catch {
    return false;
  }
}

export const decimalStringLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE().toString(),
  toBuffer: (value: unknown) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(toBigInt(value));
    return buf;
  },
  fromJSON: (json: unknown) => toBigInt(json).toString(),
  toJSON: (value: unknown) => toBigInt(value).toString(),
  isValid: isInt64,
  compare: (a: unknown, b: unknown) => {
    const x = toBigInt(a);
    const y = toBigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  },
});
