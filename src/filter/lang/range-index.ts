/**
 * Which of many intervals contain a value, for filters anchored on `field < c`, `field >= c` or
 * `between(field, lo, hi)`. One-sided intervals are kept sorted by their bound, so a lookup is a
 * binary search plus the matches; two-sided ones are sorted by their lower bound and checked.
 * Sorting is lazy: after changes the next lookup re-sorts once.
 */
export class RangeIndex<T> {
  private readonly below: { bound: number; item: T }[] = []; // value <= bound
  private readonly above: { bound: number; item: T }[] = []; // value >= bound
  private readonly within: { lo: number; hi: number; item: T }[] = [];
  private sorted = true;

  get size(): number {
    return this.below.length + this.above.length + this.within.length;
  }

  add(lo: number, hi: number, item: T): void {
    if (lo === -Infinity) this.below.push({ bound: hi, item });
    else if (hi === Infinity) this.above.push({ bound: lo, item });
    else this.within.push({ lo, hi, item });
    this.sorted = false;
  }

  remove(item: T): void {
    for (const list of [this.below, this.above, this.within] as { item: T }[][]) {
      const i = list.findIndex((e) => e.item === item);
      if (i >= 0) list.splice(i, 1);
    }
  }

  /** Calls `visit` with every item whose interval contains `value` (inclusive bounds). */
  forEachContaining(value: number, visit: (item: T) => void): void {
    if (!this.sorted) this.sort();
    const below = this.below;
    for (let i = firstAtLeast(below, value); i < below.length; i++) visit(below[i]!.item);
    const above = this.above;
    const end = firstAtLeast(above, value, true);
    for (let i = 0; i < end; i++) visit(above[i]!.item);
    const within = this.within;
    for (let i = 0; i < within.length && within[i]!.lo <= value; i++) if (within[i]!.hi >= value) visit(within[i]!.item);
  }

  private sort(): void {
    this.below.sort((a, b) => a.bound - b.bound);
    this.above.sort((a, b) => a.bound - b.bound);
    this.within.sort((a, b) => a.lo - b.lo);
    this.sorted = true;
  }
}

/** First index whose bound is >= value (or > value when `strictlyAbove`), in a list sorted by bound. */
function firstAtLeast(list: { bound: number }[], value: number, strictlyAbove = false): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const b = list[mid]!.bound;
    if (strictlyAbove ? b <= value : b < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
