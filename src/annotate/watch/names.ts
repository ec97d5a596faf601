import { NightjarError } from '../../errors/index.js';

/**
 * Keys on the compacted watchlists topic. Lists and maps share the topic under distinct
 * prefixes, so one follower sees every change in order:
 *   `<owner>/<list>`                  watchlist manifest
 *   `<owner>/<list>/v<version>/<i>`   chunk i of a watchlist version
 *   `map:<owner>/<name>`              watchmap
 * Owners and names are therefore restricted to characters that cannot form a separator.
 */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const MAP_PREFIX = 'map:';

export type WatchKey =
  | { kind: 'manifest'; owner: string; list: string }
  | { kind: 'chunk'; owner: string; list: string; version: number; index: number }
  | { kind: 'map'; owner: string; name: string };

export function isValidWatchName(value: string): boolean {
  return NAME.test(value);
}

/** Throws the given code naming what is wrong with an owner or a list/map name. */
export function checkWatchName(what: 'owner' | 'watchlist name' | 'watchmap name', value: string, code: 'WATCHLIST_INVALID' | 'WATCHMAP_INVALID'): void {
  if (!isValidWatchName(value)) {
    throw new NightjarError(code, `invalid ${what} "${value}": use 1–64 letters, digits, '_', '.' or '-', starting with a letter, digit or '_'`, {
      details: { [what]: value },
    });
  }
}

export function manifestKey(owner: string, list: string): string {
  return `${owner}/${list}`;
}

export function chunkKey(owner: string, list: string, version: number, index: number): string {
  return `${owner}/${list}/v${version}/${index}`;
}

export function mapKey(owner: string, name: string): string {
  return `${MAP_PREFIX}${owner}/${name}`;
}

/** The meaning of a key on the topic, or undefined for keys Nightjar does not write. */
export function parseWatchKey(key: string): WatchKey | undefined {
  if (key.startsWith(MAP_PREFIX)) {
    const [owner, name, ...rest] = key.slice(MAP_PREFIX.length).split('/');
    return rest.length === 0 && owner && name && isValidWatchName(owner) && isValidWatchName(name) ? { kind: 'map', owner, name } : undefined;
  }
  const parts = key.split('/');
  const [owner, list] = parts;
  if (!owner || !list || !isValidWatchName(owner) || !isValidWatchName(list)) return undefined;
  if (parts.length === 2) return { kind: 'manifest', owner, list };
  const version = /^v(\d{1,15})$/.exec(parts[2] ?? '')?.[1];
  const index = /^\d{1,9}$/.test(parts[3] ?? '') ? Number(parts[3]) : undefined;
  if (parts.length !== 4 || version === undefined || index === undefined) return undefined;
  return { kind: 'chunk', owner, list, version: Number(version), index };
}
