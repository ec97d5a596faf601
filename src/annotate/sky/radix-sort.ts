/**
 * Stable LSD radix sort returning the permutation that orders `keys` (unsigned 32-bit).
 * Linear time and two Uint32Array temporaries: sorting 10M sources by pixel with a
 * comparator-based sort would take several seconds and box every index.
 */
const BITS = 11;
const BUCKETS = 1 << BITS;
const MASK = BUCKETS - 1;

export function sortedOrder(keys: Uint32Array): Uint32Array {
  const n = keys.length;
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const counts = new Uint32Array(BUCKETS);
  for (let shift = 0; shift < 32; shift += BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(keys[order[i]!]! >>> shift) & MASK]! += 1;
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
    }
    [order, next] = [next, order];
  }
  return order;
}

/** First position in the sorted `values` whose value is ≥ `target`. */
export function lowerBound(values: ArrayLike<number>, target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position in the sorted `values` whose value is > `target`: how many are ≤ it. */
export function upperBound(values: ArrayLike<number>, target: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! <= target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
