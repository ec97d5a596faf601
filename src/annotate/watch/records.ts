import { NightjarError } from '../../errors/index.js';
import type { WatchlistChunk, WatchlistManifest } from './chunks.js';
import { parseWatchKey } from './names.js';
import { regionOf, type Region, type RegionSpec } from './regions.js';

export interface WatchmapRecord {
  kind: 'watchmap';
  owner: string;
  name: string;
  updatedAt: string;
  /** Where the region came from (file name, `cone`, `S181101ab 90%`), for listings. */
  source: string;
  /** Share of the sky covered (0..1), for listings. */
  skyFraction: number;
  region: RegionSpec;
}

export type WatchRecord = WatchlistManifest | WatchlistChunk | WatchmapRecord;

/**
 * What a follower keeps per key. A chunk keeps its record as read (a few large strings) until
 * its list version is built; the build decodes it, in slices, and then drops it (`record` set to
 * undefined), so the follower's map does not hold a second copy of every list, and reading a
 * fetch of many chunks costs no more than parsing them. A watchmap keeps its ready region.
 */
export type WatchValue =
  | { kind: 'manifest'; record: WatchlistManifest }
  | { kind: 'chunk'; version: number; index: number; count: number; record: WatchlistChunk | undefined }
  | { kind: 'map'; record: WatchmapRecord; region: Region | undefined };

/**
 * Checks a record read from the topic against its key and prepares it. `light` skips decoding
 * chunks' columns and regions (the CLI only needs manifests and map descriptions). Throws on anything
 * malformed; the state topic logs and skips such records.
 */
export function parseWatchValue(value: unknown, key: string, light = false): WatchValue {
  const parsedKey = parseWatchKey(key);
  if (!parsedKey) throw invalid(`key "${key}" is not a watchlist, chunk or watchmap key`);
  const record = value as Partial<WatchRecord> & Record<string, unknown>;
  if (typeof record !== 'object' || record === null) throw invalid('the record is not an object');
  if (parsedKey.kind === 'manifest') {
    const ok = record.kind === 'watchlist' && record.owner === parsedKey.owner && record.name === parsedKey.list && isCount(record.version) && isCount(record.chunks) && isCount(record.entries);
    if (!ok) throw invalid(`manifest ${key} is malformed or does not match its key`);
    return { kind: 'manifest', record: record as WatchlistManifest };
  }
  if (parsedKey.kind === 'chunk') {
    const ok = record.kind === 'watchlist-chunk' && record.owner === parsedKey.owner && record.list === parsedKey.list && record.version === parsedKey.version && record.index === parsedKey.index && isCount(record.count);
    if (!ok) throw invalid(`chunk ${key} is malformed or does not match its key`);
    const columns = typeof record.names === 'string' && typeof record.ra === 'string' && typeof record.dec === 'string' && typeof record.radius === 'string';
    if (!columns) throw invalid(`chunk ${key} lacks its columns`);
    return { kind: 'chunk', version: parsedKey.version, index: parsedKey.index, count: record.count as number, record: light ? undefined : (record as WatchlistChunk) };
  }
  const ok = record.kind === 'watchmap' && record.owner === parsedKey.owner && record.name === parsedKey.name && typeof record.region === 'object' && record.region !== null;
  if (!ok) throw invalid(`watchmap ${key} is malformed or does not match its key`);
  const map = record as WatchmapRecord;
  return { kind: 'map', record: map, region: light ? undefined : regionOf(map.region) };
}

function isCount(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0;
}

function invalid(message: string): NightjarError {
  return new NightjarError('WATCHLIST_INVALID', message);
}
