import type { Alert } from '../../alert/types.js';
import { lookupField } from '../../alert/catalogue.js';
import { makeAccessor, type Accessor } from './accessor.js';
import type { IndexPlan } from './plan.js';
import { own } from './semantics.js';

/**
 * A filter's necessary conditions in compact form, checked before the filter itself: every
 * numeric range of its top-level conjunction (`mag < 19`, `between(snr, 5, 50)`), every string
 * equality (`band in ["g", "r"]`), every field it requires to be present, boolean fields standing
 * alone (`isPositive`, `not isPositive`), fields it requires missing (`not exists(x)`), and the
 * owner's watchlists and watchmaps it requires (`watchlist.hit("name")`, `inmap("name")`). An alert failing
 * any of them cannot make the filter TRUE, so the matcher skips the full evaluation.
 *
 * The fields are read once per alert, not once per filter: `GuardTable` numbers each path it
 * has seen (a slot) and caches the alert's value per slot, so with thousands of candidates the
 * check is a few array reads and comparisons each.
 */
export interface Guard {
  /** Triples (slot, lo, hi): the slot's value must be a number within [lo, hi]. */
  readonly ranges: Float64Array;
  /** Slots whose value must be present. */
  readonly present: Int32Array;
  /** Slots whose value must be one of the strings. */
  readonly equals: readonly { slot: number; values: readonly string[] }[];
  /** Slots whose value must be true, false, or missing. */
  readonly isTrue: Int32Array;
  readonly isFalse: Int32Array;
  readonly absent: Int32Array;
  /** Watchlists / watchmaps the alert must be in: one of `keys` among the hits' list (map) names. */
  readonly hits: readonly { namespace: 'watchlist' | 'watchmap'; keys: readonly string[] }[];
}

/**
 * The watchlists and watchmaps a plan requires, each as the names that satisfy it. A hit on the
 * owner's list `name` is recorded as `<owner>/name` or as `name` with the owner beside it (see
 * watchlist.hit), so either name does.
 */
export function hitRequirements(plan: IndexPlan, owner?: string): Guard['hits'] {
  return plan.hits.map(({ namespace, name }) => ({ namespace, keys: owner === undefined ? [name] : [`${owner}/${name}`, name] }));
}

/** The list (map) names of an alert's watchlist (watchmap) hits. */
export function hitNamesOf(alert: Alert, namespace: 'watchlist' | 'watchmap'): string[] {
  const names: string[] = [];
  const key = namespace === 'watchlist' ? 'list' : 'map';
  const hits = own(own(alert, namespace), 'hits');
  if (Array.isArray(hits)) {
    for (let i = 0; i < hits.length; i++) {
      const name = own(hits[i], key);
      if (typeof name === 'string') names.push(name);
    }
  }
  return names;
}

export class GuardTable {
  private readonly slots = new Map<string, number>();
  private readonly accessors: Accessor[] = [];
  private numbers = new Float64Array(16);
  private values: unknown[] = [];
  private stamps = new Int32Array(16);
  private alert: Alert | undefined;
  private generation = 0;
  private readonly hits = { watchlist: { generation: -1, names: new Set<string>() }, watchmap: { generation: -1, names: new Set<string>() } };

  /** The guard of a plan for a filter of `owner`; paths outside the field catalogue are left to the evaluation. */
  compile(plan: IndexPlan, owner?: string): Guard {
    const ranges: number[] = [];
    for (const [path, r] of plan.ranges) {
      const slot = this.slotOf(path);
      if (slot !== undefined) ranges.push(slot, r.lo, r.hi);
    }
    const equals: { slot: number; values: string[] }[] = [];
    for (const [path, values] of plan.equals) {
      const slot = this.slotOf(path);
      if (slot !== undefined) equals.push({ slot, values: [...values] });
    }
    return {
      ranges: Float64Array.from(ranges),
      // A field with a range is already required to be a number.
      present: this.slotsOf([...plan.required].filter((path) => !plan.ranges.has(path))),
      equals,
      isTrue: this.slotsOf(plan.isTrue),
      isFalse: this.slotsOf(plan.isFalse),
      absent: this.slotsOf(plan.absent),
      hits: hitRequirements(plan, owner),
    };
  }

  /** Starts a new alert: values cached for the previous one are forgotten. */
  begin(alert: Alert): void {
    this.alert = alert;
    this.generation = (this.generation + 1) | 0;
    if (this.generation === 0) {
      this.stamps.fill(-1);
      this.hits.watchlist.generation = this.hits.watchmap.generation = -1;
      this.generation = 1;
    }
  }

  /** Whether the current alert passes every condition of the guard (may throw what a field read throws). */
  passes(guard: Guard): boolean {
    const ranges = guard.ranges;
    for (let i = 0; i < ranges.length; i += 3) {
      const v = this.number(ranges[i]!);
      if (!(v >= ranges[i + 1]! && v <= ranges[i + 2]!)) return false;
    }
    const present = guard.present;
    for (let i = 0; i < present.length; i++) if (this.value(present[i]!) === null) return false;
    for (const { slot, values } of guard.equals) {
      const v = this.value(slot);
      if (typeof v !== 'string' || !values.includes(v)) return false;
    }
    for (let i = 0; i < guard.isTrue.length; i++) if (this.value(guard.isTrue[i]!) !== true) return false;
    for (let i = 0; i < guard.isFalse.length; i++) if (this.value(guard.isFalse[i]!) !== false) return false;
    for (let i = 0; i < guard.absent.length; i++) if (this.value(guard.absent[i]!) !== null) return false;
    for (const { namespace, keys } of guard.hits) {
      const names = this.hitNames(namespace);
      if (!keys.some((k) => names.has(k))) return false;
    }
    return true;
  }

  /** The list (map) names of the current alert's watchlist (watchmap) hits, read once per alert. */
  private hitNames(namespace: 'watchlist' | 'watchmap'): Set<string> {
    const cached = this.hits[namespace];
    if (cached.generation === this.generation) return cached.names;
    const names = new Set(hitNamesOf(this.alert!, namespace));
    this.hits[namespace] = { generation: this.generation, names };
    return names;
  }

  private slotsOf(paths: Iterable<string>): Int32Array {
    return Int32Array.from([...paths].map((path) => this.slotOf(path)).filter((slot): slot is number => slot !== undefined));
  }

  private slotOf(path: string): number | undefined {
    let slot = this.slots.get(path);
    if (slot !== undefined) return slot;
    const def = lookupField(path);
    if (!def) return undefined;
    slot = this.accessors.length;
    this.slots.set(path, slot);
    this.accessors.push(makeAccessor(path.split('.'), def.type));
    if (slot >= this.stamps.length) {
      const stamps = new Int32Array(this.stamps.length * 2);
      stamps.set(this.stamps);
      this.stamps = stamps;
      const numbers = new Float64Array(this.numbers.length * 2);
      numbers.set(this.numbers);
      this.numbers = numbers;
    }
    return slot;
  }

  /** The slot's value for the current alert: NaN unless it is a number. */
  private number(slot: number): number {
    if (this.stamps[slot] !== this.generation) this.read(slot);
    return this.numbers[slot]!;
  }

  private value(slot: number): unknown {
    if (this.stamps[slot] !== this.generation) this.read(slot);
    return this.values[slot];
  }

  private read(slot: number): void {
    const v = this.accessors[slot]!(this.alert!);
    this.values[slot] = v;
    this.numbers[slot] = typeof v === 'number' ? v : NaN;
    this.stamps[slot] = this.generation;
  }
}
