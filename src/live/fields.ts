import { NightjarError } from '../errors/index.js';

/** Most paths one subscription may select. */
export const MAX_FIELDS = 100;
const pathPattern = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/;

/** Checks a `fields` list (dotted paths) and returns it deduplicated, or LIVE_MESSAGE_INVALID. */
export function checkFieldPaths(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FIELDS) {
    throw new NightjarError('LIVE_MESSAGE_INVALID', `"fields" must be a list of 1 to ${MAX_FIELDS} dotted field paths, e.g. ["alertId", "mag", "lc.all.ndet"]`);
  }
  for (const path of value) {
    if (typeof path !== 'string' || path.length > 200 || !pathPattern.test(path) || path.split('.').some(forbidden)) {
      throw new NightjarError('LIVE_MESSAGE_INVALID', `"fields" has an invalid path ${JSON.stringify(path)}: use dotted names such as "ztf.candidate.magpsf"`, { details: { field: String(path) } });
    }
  }
  return [...new Set(value as string[])];
}

function forbidden(part: string): boolean {
  return part === '__proto__' || part === 'constructor' || part === 'prototype';
}

/**
 * The parts of `source` the paths name, nested as in the source: `["mag", "lc.all.ndet"]` gives
 * `{mag, lc: {all: {ndet}}}`. Absent paths are left out; a path to an object copies it whole.
 */
export function selectFields(source: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const path of paths) {
    const parts = path.split('.');
    let value: unknown = source;
    for (const part of parts) {
      if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) {
        value = undefined;
        break;
      }
      value = (value as Record<string, unknown>)[part];
    }
    if (value === undefined) continue;
    let target = out;
    for (const part of parts.slice(0, -1)) {
      const next = target[part];
      target = (typeof next === 'object' && next !== null ? next : (target[part] = {})) as Record<string, unknown>;
    }
    target[parts[parts.length - 1]!] = value;
  }
  return out;
}
