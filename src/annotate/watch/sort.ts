import type { TimeSlicer } from './slices.js';

const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

/**
 * The stable LSD radix sort of sky/radix-sort.ts (permutation ordering unsigned 32-bit keys),
 * in slices: sorting a million keys in one go holds the event loop for tens of milliseconds,
 * so each pass pauses whenever the slicer says its slice is spent.
 */
export async function sortedOrderSliced(keys: Uint32Array, slicer: TimeSlicer): Promise<Uint32Array> {
  const n = keys.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const counts = new Uint32Array(BUCKETS);
  for (let shift = 0; shift < 32; shift += BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      counts[(keys[order[i]!]! >>> shift) & MASK]! += 1;
      if (slicer.tick()) await slicer.pause();
    }
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const idx = order[i]!;
      const b = (keys[idx]! >>> shift) & MASK;
      next[counts[b]!] = idx;
      counts[b]! += 1;
      if (slicer.tick()) await slicer.pause();
    }
    [order, next] = [next, order];
  }
  return order;
}
