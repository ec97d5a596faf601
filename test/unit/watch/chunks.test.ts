import { describe, expect, it } from 'vitest';
import { chunkRanges, decodeChunk, encodeWatchlist, entriesOf } from '../../../src/annotate/watch/chunks.js';
import type { WatchlistEntries } from '../../../src/annotate/watch/entries.js';
import { chunkKey, manifestKey, mapKey, parseWatchKey } from '../../../src/annotate/watch/names.js';
import { parseWatchValue } from '../../../src/annotate/watch/records.js';

function entries(n: number): WatchlistEntries {
  const names = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? `ünïcode ✓ ${i}` : `src-${i}`));
  return {
    names,
    ra: Float64Array.from({ length: n }, (_, i) => (i * 0.1234567890123) % 360),
    dec: Float64Array.from({ length: n }, (_, i) => ((i * 7.77) % 180) - 90),
    radius: Float64Array.from({ length: n }, (_, i) => 0.5 + (i % 13)),
  };
}

describe('watchlist chunking', () => {
  it('round-trips names and exact doubles through many small chunks via JSON', () => {
    const original = entries(5_003);
    const { manifest, chunks } = encodeWatchlist('alice', 'agn', 3, original, new Date('2026-01-14T00:00:00Z'), 8_000);
    expect(chunks.length).toBeGreaterThan(20);
    expect(manifest).toMatchObject({ kind: 'watchlist', owner: 'alice', name: 'agn', version: 3, chunks: chunks.length, entries: 5_003, maxRadius: 12.5 });
    const decoded = chunks.map((c) => {
      const value = parseWatchValue(JSON.parse(JSON.stringify(c)), chunkKey('alice', 'agn', 3, c.index));
      if (value.kind !== 'chunk' || !value.record) throw new Error('expected a chunk');
      return decodeChunk(value.record);
    });
    const back = entriesOf(decoded);
    expect(back.names).toEqual(original.names);
    expect(back.ra).toEqual(original.ra);
    expect(back.dec).toEqual(original.dec);
    expect(back.radius).toEqual(original.radius);
  });

  it('keeps every chunk under the byte budget, also with long names', () => {
    const list = entries(3_000);
    list.names = list.names.map((n) => n.padEnd(120, 'x'));
    const { chunks } = encodeWatchlist('bob', 'long', 1, list, new Date(), 64 * 1024);
    for (const chunk of chunks) expect(Buffer.byteLength(JSON.stringify(chunk))).toBeLessThan(64 * 1024);
    expect(chunkRanges(list, 64 * 1024).reduce((n, [a, b]) => n + b - a, 0)).toBe(3_000);
  });

  it('refuses a chunk whose columns disagree with its count or whose key does not match', () => {
    const { chunks } = encodeWatchlist('alice', 'agn', 1, entries(10), new Date());
    const chunk = { ...chunks[0]!, count: 11 };
    expect(() => decodeChunk(chunk)).toThrow(/declares 11 entries/);
    expect(() => parseWatchValue(chunks[0], chunkKey('alice', 'agn', 2, 0))).toThrow(/does not match its key/);
    expect(() => parseWatchValue({ kind: 'watchlist' }, manifestKey('alice', 'agn'))).toThrow(/malformed/);
  });

  it('parses the three kinds of keys and rejects others', () => {
    expect(parseWatchKey('alice/agn')).toEqual({ kind: 'manifest', owner: 'alice', list: 'agn' });
    expect(parseWatchKey('alice/agn/v12/3')).toEqual({ kind: 'chunk', owner: 'alice', list: 'agn', version: 12, index: 3 });
    expect(parseWatchKey(mapKey('alice', 'S181101ab-90'))).toEqual({ kind: 'map', owner: 'alice', name: 'S181101ab-90' });
    for (const bad of ['alice', 'alice/agn/x/1', 'alice/agn/v1', 'map:alice', 'a b/c', 'alice/agn/v1/2/3', '../x']) expect(parseWatchKey(bad)).toBeUndefined();
  });
});
