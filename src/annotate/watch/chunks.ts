import { NightjarError } from '../../errors/index.js';
import { entryCount, maxRadius, type WatchlistEntries } from './entries.js';

/**
 * The watchlist wire format on the compacted topic. A million entries (~40 MB as JSON) do not
 * fit in one Kafka record (1 MB by default), so a version of a list is a manifest plus chunks:
 * positions and radii as base64 little-endian Float64 columns (exact, 32 bytes per entry),
 * names as one newline-joined string. Chunks are published first, the manifest last.
 */
export interface WatchlistManifest {
  kind: 'watchlist';
  owner: string;
  name: string;
  version: number;
  chunks: number;
  entries: number;
  /** Largest entry radius (arcsec); 0 for a deleted list. */
  maxRadius: number;
  updatedAt: string;
  /** A deleted list keeps its manifest so a later upload gets a higher version. */
  deleted?: boolean;
}

export interface WatchlistChunk {
  kind: 'watchlist-chunk';
  owner: string;
  list: string;
  version: number;
  index: number;
  count: number;
  names: string;
  ra: string;
  dec: string;
  radius: string;
}

/** A chunk as a follower keeps it until the list is built: typed arrays, names as UTF-8. */
export interface DecodedChunk {
  owner: string;
  list: string;
  version: number;
  index: number;
  count: number;
  /** Names joined by '\n', UTF-8. */
  names: Uint8Array;
  ra: Float64Array;
  dec: Float64Array;
  radius: Float64Array;
}

/** Bytes of JSON per chunk at most (well under Kafka's 1 MB default record limit). */
export const CHUNK_MAX_BYTES = 512 * 1024;
/** Per-entry cost in a chunk besides its name: three base64 doubles plus separators. */
const ENTRY_BYTES = 33;

/** Splits entries into chunk ranges of at most CHUNK_MAX_BYTES, so long names give more chunks. */
export function chunkRanges(entries: WatchlistEntries, maxBytes = CHUNK_MAX_BYTES): [start: number, end: number][] {
  const ranges: [number, number][] = [];
  let start = 0;
  let bytes = 0;
  const n = entryCount(entries);
  for (let i = 0; i < n; i++) {
    const cost = ENTRY_BYTES + Buffer.byteLength(entries.names[i]!) * 2;
    if (i > start && bytes + cost > maxBytes) {
      ranges.push([start, i]);
      start = i;
      bytes = 0;
    }
    bytes += cost;
  }
  if (n > start) ranges.push([start, n]);
  return ranges;
}

export interface EncodedVersion {
  manifest: WatchlistManifest;
  chunks: WatchlistChunk[];
}

export function encodeWatchlist(owner: string, name: string, version: number, entries: WatchlistEntries, now: Date, maxBytes = CHUNK_MAX_BYTES): EncodedVersion {
  const chunks = chunkRanges(entries, maxBytes).map(([start, end], index): WatchlistChunk => ({
    kind: 'watchlist-chunk',
    owner,
    list: name,
    version,
    index,
    count: end - start,
    names: entries.names.slice(start, end).join('\n'),
    ra: float64ToBase64(entries.ra.subarray(start, end)),
    dec: float64ToBase64(entries.dec.subarray(start, end)),
    radius: float64ToBase64(entries.radius.subarray(start, end)),
  }));
  const manifest: WatchlistManifest = {
    kind: 'watchlist',
    owner,
    name,
    version,
    chunks: chunks.length,
    entries: entryCount(entries),
    maxRadius: maxRadius(entries),
    updatedAt: now.toISOString(),
  };
  return { manifest, chunks };
}

export function decodeChunk(chunk: WatchlistChunk): DecodedChunk {
  const decoded: DecodedChunk = {
    owner: chunk.owner,
    list: chunk.list,
    version: chunk.version,
    index: chunk.index,
    count: chunk.count,
    names: Buffer.from(chunk.names, 'utf8'),
    ra: base64ToFloat64(chunk.ra),
    dec: base64ToFloat64(chunk.dec),
    radius: base64ToFloat64(chunk.radius),
  };
  const lines = countNames(decoded.names);
  if ([decoded.ra.length, decoded.dec.length, decoded.radius.length, lines].some((n) => n !== chunk.count)) {
    throw new NightjarError('WATCHLIST_INVALID', `chunk ${chunk.index} of ${chunk.owner}/${chunk.list} v${chunk.version} declares ${chunk.count} entries but holds columns of other lengths`);
  }
  return decoded;
}

/** Entries back from decoded chunks (in chunk order): the round trip of encodeWatchlist. */
export function entriesOf(chunks: readonly DecodedChunk[]): WatchlistEntries {
  const decoder = new TextDecoder();
  const names = chunks.flatMap((c) => (c.count === 0 ? [] : decoder.decode(c.names).split('\n')));
  return { names, ra: concatFloat64(chunks.map((c) => c.ra)), dec: concatFloat64(chunks.map((c) => c.dec)), radius: concatFloat64(chunks.map((c) => c.radius)) };
}

function countNames(bytes: Uint8Array): number {
  if (bytes.length === 0) return 0;
  let n = 1;
  for (const b of bytes) if (b === 0x0a) n += 1;
  return n;
}

// Typed arrays are in the host's byte order; every platform Node supports for Nightjar (x64,
// arm64) is little-endian, which is what the format specifies.
export function float64ToBase64(values: Float64Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function base64ToFloat64(text: string): Float64Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 8 !== 0) throw new NightjarError('WATCHLIST_INVALID', 'a chunk column is not a whole number of 64-bit floats');
  const out = new Float64Array(bytes.length / 8);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function concatFloat64(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
