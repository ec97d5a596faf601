import type { Alert } from '../../alert/types.js';
import { lookupField, type FieldType } from '../../alert/catalogue.js';
import type { Value } from './types.js';

/**
 * Field reads, precompiled to an array of keys. Each step reads an own property only, so
 * `__proto__`, `constructor` and `prototype` are unreachable even if a catalogue entry named
 * them; the value is then normalised to its catalogue type, anything else being missing.
 */
export type Accessor = (alert: Alert) => Value;

type Normaliser = (v: unknown) => Value;

const normalisers: Record<FieldType, Normaliser> = {
  number: asNumber,
  integer: asNumber,
  string: (v) => (typeof v === 'string' ? v : null),
  boolean: (v) => (typeof v === 'boolean' ? v : null),
  id: asId,
  // Arrays and objects are only ever tested with exists(): present is all we report.
  array: (v) => (Array.isArray(v) ? true : null),
  object: (v) => (typeof v === 'object' && v !== null ? true : null),
};

function asNumber(v: unknown): Value {
  if (typeof v === 'number') return v === v ? v : null;
  return typeof v === 'bigint' ? Number(v) : null;
}

/** Ids are exact decimal strings; a bigint or safe integer from a survey record is spelled exactly. */
function asId(v: unknown): Value {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  return typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : null;
}

const hasOwn = Object.hasOwn;

export function makeAccessor(keys: readonly string[], type: FieldType): Accessor {
  const norm = normalisers[type];
  if (keys.length === 1) {
    const [k0] = keys as [string];
    return (a) => (hasOwn(a, k0) ? norm((a as unknown as Record<string, unknown>)[k0]) : null);
  }
  if (keys.length === 2) {
    const [k0, k1] = keys as [string, string];
    return (a) => {
      const o = hasOwn(a, k0) ? (a as unknown as Record<string, unknown>)[k0] : undefined;
      return typeof o === 'object' && o !== null && hasOwn(o, k1) ? norm((o as Record<string, unknown>)[k1]) : null;
    };
  }
  if (keys.length === 3) {
    const [k0, k1, k2] = keys as [string, string, string];
    return (a) => {
      const o = hasOwn(a, k0) ? (a as unknown as Record<string, unknown>)[k0] : undefined;
      if (typeof o !== 'object' || o === null || !hasOwn(o, k1)) return null;
      const p = (o as Record<string, unknown>)[k1];
      return typeof p === 'object' && p !== null && hasOwn(p, k2) ? norm((p as Record<string, unknown>)[k2]) : null;
    };
  }
  return (a) => {
    let o: unknown = a;
    for (const k of keys) {
      if (typeof o !== 'object' || o === null || !hasOwn(o, k)) return null;
      o = (o as Record<string, unknown>)[k];
    }
    return norm(o);
  };
}

const byPath = new Map<string, Accessor>();

/** The reader of a catalogue path, made once per path; undefined for a path outside the catalogue. */
export function fieldAccessor(path: string): Accessor | undefined {
  let get = byPath.get(path);
  if (get) return get;
  const def = lookupField(path);
  if (!def) return undefined;
  get = makeAccessor(path.split('.'), def.type);
  byPath.set(path, get);
  return get;
}
