import type { StringColumn } from '../sky/columns.js';
import { max_pixrad, order2nside, pix2vec_nest } from '@hscmap/healpix';
import { ang2pixNest, discPixels, MAX_ORDER, queryOrderFor } from '../sky/healpix.js';
import { lowerBound } from '../sky/radix-sort.js';
import { angleBetween, ARCSEC, chordSquared, DEG } from '../sky/sphere.js';
import type { DecodedChunk } from './chunks.js';
import { sortedOrderSliced } from './sort.js';
import { TimeSlicer } from './slices.js';

/** Order of the coarse pixels (≈0.92°) that route an alert to the lists that may hold a match. */
export const COARSE_ORDER = 6;

/**
 * One watchlist version as a sky index: entries sorted by HEALPix NESTED pixel at MAX_ORDER,
 * unit vectors, and each entry's own acceptance limit as a squared chord. A cone query uses
 * the list's largest radius to pick the cells and each entry's radius to accept.
 */
export interface WatchlistIndex {
  owner: string;
  name: string;
  version: number;
  size: number;
  maxRadiusArcsec: number;
  queryOrder: number;
  pixels: Uint32Array;
  x: Float64Array;
  y: Float64Array;
  z: Float64Array;
  chord2: Float64Array;
  names: StringColumn;
  /** Sorted coarse pixels whose area lies within maxRadius of some entry. */
  coverage: Uint32Array;
}

export interface ListHit {
  name: string;
  sep: number;
}

export interface BuildInfo {
  owner: string;
  name: string;
  version: number;
}

/**
 * Builds the index of a list from its chunks in slices, pausing whenever a slice has run its
 * time, so building a million entries never blocks the event loop for long. Returns the index
 * and the longest slice (ms).
 */
export async function buildWatchlistIndex(info: BuildInfo, chunks: readonly DecodedChunk[], slicer = new TimeSlicer()): Promise<{ index: WatchlistIndex; longestSliceMs: number }> {
  const n = chunks.reduce((sum, c) => sum + c.count, 0);
  const pixels = new Uint32Array(n);
  const vx = new Float64Array(n);
  const vy = new Float64Array(n);
  const vz = new Float64Array(n);
  const radius = new Float64Array(n);
  let i = 0;
  for (const chunk of chunks) {
    for (let k = 0; k < chunk.count; k++, i++) {
      const ra = chunk.ra[k]!;
      const dec = chunk.dec[k]!;
      const cosDec = Math.cos(dec * DEG);
      vx[i] = cosDec * Math.cos(ra * DEG);
      vy[i] = cosDec * Math.sin(ra * DEG);
      vz[i] = Math.sin(dec * DEG);
      pixels[i] = ang2pixNest(MAX_ORDER, ra, dec);
      radius[i] = chunk.radius[k]!;
      if (slicer.tick()) await slicer.pause();
    }
  }
  const order = await sortedOrderSliced(pixels, slicer);
  const x = await permute(vx, order, slicer);
  const y = await permute(vy, order, slicer);
  const z = await permute(vz, order, slicer);
  const sortedPixels = new Uint32Array(n);
  const chord2 = new Float64Array(n);
  let maxRadiusArcsec = 0;
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    sortedPixels[j] = pixels[src]!;
    const r = radius[src]!;
    chord2[j] = chordSquared(r * ARCSEC);
    if (r > maxRadiusArcsec) maxRadiusArcsec = r;
    if (slicer.tick()) await slicer.pause();
  }
  const names = await permuteNames(chunks, order, slicer);
  const coverage = await coverageOf(sortedPixels, maxRadiusArcsec, slicer);
  slicer.record();
  const index: WatchlistIndex = {
    ...info,
    size: n,
    maxRadiusArcsec,
    queryOrder: queryOrderFor(maxRadiusArcsec * ARCSEC, MAX_ORDER),
    pixels: sortedPixels,
    x,
    y,
    z,
    chord2,
    names,
    coverage,
  };
  return { index, longestSliceMs: slicer.longestMs };
}

async function permute(values: Float64Array, order: Uint32Array, slicer: TimeSlicer): Promise<Float64Array> {
  const out = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) {
    out[i] = values[order[i]!]!;
    if (slicer.tick()) await slicer.pause();
  }
  return out;
}

/** The names of all chunks as one StringColumn in index order. */
async function permuteNames(chunks: readonly DecodedChunk[], order: Uint32Array, slicer: TimeSlicer): Promise<StringColumn> {
  const total = chunks.reduce((sum, c) => sum + c.names.length + 1, 0);
  const joined = new Uint8Array(total);
  const starts = new Uint32Array(order.length + 1);
  let at = 0;
  let entry = 0;
  for (const chunk of chunks) {
    joined.set(chunk.names, at);
    starts[entry++] = at;
    for (let b = 0; b < chunk.names.length; b++) {
      if (chunk.names[b] === 0x0a) starts[entry++] = at + b + 1;
      if (slicer.tick()) await slicer.pause();
    }
    at += chunk.names.length;
    joined[at++] = 0x0a;
  }
  starts[entry] = at;
  const bytes = new Uint8Array(total);
  const offsets = new Uint32Array(order.length + 1);
  let used = 0;
  for (let i = 0; i < order.length; i++) {
    const src = order[i]!;
    const start = starts[src]!;
    const end = starts[src + 1]! - 1; // drop the separator
    bytes.set(joined.subarray(start, end), used);
    used += end - start;
    offsets[i + 1] = used;
    if (slicer.tick()) await slicer.pause();
  }
  return { kind: 'string', bytes: bytes.slice(0, used), offsets };
}

/**
 * Coarse pixels an alert must fall in to possibly match: those holding entries, grown by the
 * list's largest radius (a disc around each occupied coarse pixel, wide enough to cover it).
 */
async function coverageOf(sortedPixels: Uint32Array, maxRadiusArcsec: number, slicer: TimeSlicer): Promise<Uint32Array> {
  const shift = 4 ** (MAX_ORDER - COARSE_ORDER);
  const occupied: number[] = [];
  for (let i = 0; i < sortedPixels.length; i++) {
    const coarse = Math.floor(sortedPixels[i]! / shift);
    if (occupied[occupied.length - 1] !== coarse) occupied.push(coarse);
    if (slicer.tick()) await slicer.pause();
  }
  const reach = max_pixrad(order2nside(COARSE_ORDER)) + maxRadiusArcsec * ARCSEC;
  const covered = new Set<number>();
  for (const coarse of occupied) {
    const [x, y, z] = pix2vec_nest(order2nside(COARSE_ORDER), coarse);
    for (const p of discPixels(COARSE_ORDER, x, y, z, reach)) covered.add(p);
    if (slicer.tick(256)) await slicer.pause(); // a disc query costs tens of microseconds
  }
  return Uint32Array.from(covered).sort();
}

/**
 * Entries of the list whose own radius contains the position (given as a unit vector), nearest
 * first, at most `limit` of them.
 */
export function matchList(index: WatchlistIndex, qx: number, qy: number, qz: number, limit: number): ListHit[] {
  const scale = 4 ** (MAX_ORDER - index.queryOrder);
  const found: { i: number; d2: number }[] = [];
  const { x, y, z, chord2 } = index;
  for (const pixel of discPixels(index.queryOrder, qx, qy, qz, index.maxRadiusArcsec * ARCSEC)) {
    const end = lowerBound(index.pixels, (pixel + 1) * scale);
    for (let i = lowerBound(index.pixels, pixel * scale); i < end; i++) {
      const dx = x[i]! - qx;
      const dy = y[i]! - qy;
      const dz = z[i]! - qz;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 <= chord2[i]!) found.push({ i, d2 });
    }
  }
  found.sort((a, b) => a.d2 - b.d2);
  return found.slice(0, limit).map(({ i }) => ({
    name: nameAt(index.names, i),
    sep: angleBetween(qx, qy, qz, x[i]!, y[i]!, z[i]!) / ARCSEC,
  }));
}

const decoder = new TextDecoder();
function nameAt(names: StringColumn, i: number): string {
  return decoder.decode(names.bytes.subarray(names.offsets[i]!, names.offsets[i + 1]!));
}
