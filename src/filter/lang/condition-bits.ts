import type { Alert } from '../../alert/types.js';
import { fieldAccessor, type Accessor } from './accessor.js';
import type { IndexPlan } from './plan.js';
import { own } from './semantics.js';
import { separationArcsec } from './sphere.js';
import { upperBound } from '../../annotate/sky/radix-sort.js';
import type { Value } from './types.js';

/**
 * The necessary conditions of many filters as bitsets over their positions in the candidate
 * index, one dimension per field: for the alert's value of a field, a dimension gives the bitset
 * of filters whose conditions on that field the value passes (filters with no condition on it
 * pass). ANDing them over the few words the index's anchors proposed leaves, per alert, the
 * filters passing every condition at once, at the cost of one field read per dimension and one
 * AND per dimension and proposed word, whatever the number of filters.
 *
 * Every bitset is exact except two ways, both supersets, so no filter that could be TRUE is
 * dropped: a numeric field whose filters have more than 31 distinct bounds is cut into 64
 * buckets, so an alert in the bucket of a threshold may fail it (`decide` checks the bounds);
 * and only one watchlist (watchmap) requirement per filter is indexed (a filter with two is
 * evaluated).
 */
export interface FilterConditions {
  plan: IndexPlan;
  /** For each watchlist/watchmap hit the filter requires, the tokens that satisfy it (see hitRequirements). */
  hits: readonly { namespace: 'watchlist' | 'watchmap'; keys: readonly string[] }[];
}

/**
 * The watchlists and watchmaps a plan requires, each as the tokens that satisfy it, exactly as
 * `watchlist.hit(name)` / `inmap(name)` decide: a hit whose list (map) is `<owner>/name`, or one
 * named `name` whose own owner is the filter's owner (both without an owner for a filter that
 * has none). See hitTokensOf for the alert's side.
 */
export function hitRequirements(plan: IndexPlan, owner?: string): FilterConditions['hits'] {
  return plan.hits.map(({ namespace, name }) => ({
    namespace,
    keys: owner === undefined ? [ownedToken(undefined, name)] : [`L${owner}/${name}`, ownedToken(owner, name)],
  }));
}

/** A hit named `name` owned by `owner` (undefined: no owner). */
function ownedToken(owner: string | undefined, name: string): string {
  return owner === undefined ? `N\u0000${name}` : `O${owner}\u0000${name}`;
}

/** The tokens of an alert's watchlist (watchmap) hits: each hit's list (map) name, and that name with the hit's owner. */
export function hitTokensOf(alert: Alert, namespace: 'watchlist' | 'watchmap'): string[] {
  const tokens: string[] = [];
  const key = namespace === 'watchlist' ? 'list' : 'map';
  const hits = own(own(alert, namespace), 'hits');
  if (Array.isArray(hits)) {
    for (let i = 0; i < hits.length; i++) {
      const name = own(hits[i], key);
      if (typeof name !== 'string') continue;
      tokens.push(`L${name}`);
      const owner = own(hits[i], 'owner');
      if (owner === undefined || typeof owner === 'string') tokens.push(ownedToken(owner, name));
    }
  }
  return tokens;
}

/** What the index says of a candidate: decided (matched or not), or to be evaluated. */
export const NOT_MATCHED = 0;
export const MATCHED = 1;
export const EVALUATE = 2;
export type Decision = typeof NOT_MATCHED | typeof MATCHED | typeof EVALUATE;

/** One field's conditions: the bitset of positions the alert's value of the field allows. */
interface Dimension {
  /** How many filters it constrains (without a sample, dimensions constraining more are applied first). */
  readonly constrained: number;
  /** 1 for each word holding a filter it constrains (elsewhere its bitsets are all ones). */
  readonly touched: Uint8Array;
  bitsOf(alert: Alert): Int32Array;
}

/** Most bucket bounds a numeric dimension keeps (64 buckets). */
const MAX_BOUNDS = 63;

export class ConditionBits {
  private readonly dims: Dimension[];
  /**
   * The deciders, flat: position p's bound checks are `checks[checkStart[p] .. checkStart[p + 1])`
   * as (range slot, lo, hi, flags: 1 lower open, 2 upper open); `decidable[p]` is 1 when p has a
   * decider; `cones[p]` its cone if any. The range dimensions write each alert's values to
   * `values` by slot.
   */
  private readonly decidable: Uint8Array;
  private readonly checkStart: Int32Array;
  private readonly checks: Float64Array;
  private readonly cones: ({ ra: number; dec: number; radiusArcsec: number } | undefined)[] = [];
  private readonly values: Float64Array;
  /** Per word, the bits (in dimension order) of the dimensions constraining a filter in it. */
  private readonly wordDims: Int32Array;
  private readonly dimWords: number;
  private readonly relevant: Int32Array;

  /**
   * `byPosition[p]` is the conditions of the filter at position p (undefined for a free one);
   * `sample` is recent alerts, whose values place the buckets of numeric dimensions when filters
   * have more distinct bounds than a dimension keeps.
   */
  constructor(byPosition: readonly (FilterConditions | undefined)[], readonly words: number, sample: readonly Alert[] = [], reads = new FieldReads()) {
    const ranges = new Map<string, RangeMember[]>();
    const states = new Map<string, StateMember[]>();
    const hits = new Map<'watchlist' | 'watchmap', HitMember[]>();
    // One filter's state conditions by field, reused from filter to filter.
    const stateOf = new Map<string, StateMember>();
    let pos = 0;
    const member = (path: string): StateMember => {
      let m = stateOf.get(path);
      if (!m) stateOf.set(path, (m = { pos }));
      return m;
    };
    for (; pos < byPosition.length; pos++) {
      const c = byPosition[pos];
      if (!c) continue;
      const { plan } = c;
      for (const [path, r] of plan.ranges) if (r.lo > -Infinity || r.hi < Infinity) push(ranges, path, { pos, lo: r.lo, hi: r.hi });
      stateOf.clear();
      for (const path of plan.required) member(path).present = true;
      for (const path of plan.absent) member(path).absent = true;
      for (const path of plan.isTrue) member(path).isTrue = true;
      for (const path of plan.isFalse) member(path).isFalse = true;
      for (const [path, values] of plan.equals) member(path).values = values;
      for (const [path, m] of stateOf) push(states, path, m);
      // One requirement per namespace is enough for a superset; evaluation checks the rest.
      for (let i = 0; i < c.hits.length; i++) {
        const h = c.hits[i]!;
        if (c.hits.findIndex((o) => o.namespace === h.namespace) === i) push(hits, h.namespace, { pos, keys: h.keys });
      }
    }
    // A numeric field's presence goes into its range dimension (all buckets, not missing): one
    // dimension and one read for `mag < 19 and exists(mag)` and for `exists(mag)` beside ranges.
    const presence = new Map<string, number[]>();
    for (const [path, members] of states) {
      const ranged = ranges.get(path);
      if (!ranged || !reads.reader(path)) continue;
      const withRange = new Set(ranged.map((m) => m.pos));
      const rest = members.filter((m) => m.absent || m.isTrue || m.isFalse || m.values !== undefined);
      for (const m of members) if (!rest.includes(m) && !withRange.has(m.pos)) push(presence, path, m.pos);
      if (rest.length > 0) states.set(path, rest);
      else states.delete(path);
    }
    const dims: Dimension[] = [];
    const rangeDims = new Map<string, RangeDimension>();
    this.values = new Float64Array(ranges.size);
    for (const [path, members] of ranges) {
      const get = reads.reader(path);
      if (!get) continue;
      const dim = new RangeDimension(get, members, presence.get(path) ?? [], words, sampleValues(get, sample), this.values, rangeDims.size);
      rangeDims.set(path, dim);
      dims.push(dim);
    }
    const statePaths = new Set<string>();
    for (const [path, members] of states) {
      const get = reads.reader(path);
      if (!get) continue;
      statePaths.add(path);
      dims.push(new StateDimension(get, members, words));
    }
    for (const [namespace, members] of hits) dims.push(new HitsDimension(namespace, members, words));
    this.dims = orderBySelectivity(dims, words, sample);
    this.dimWords = Math.max(1, Math.ceil(this.dims.length / 32));
    this.relevant = new Int32Array(this.dimWords);
    this.wordDims = new Int32Array(words * this.dimWords);
    this.dims.forEach((dim, i) => {
      for (let w = 0; w < words; w++) if (dim.touched[w]) this.wordDims[w * this.dimWords + (i >>> 5)]! |= 1 << (i & 31);
    });
    this.decidable = new Uint8Array(byPosition.length);
    this.checkStart = new Int32Array(byPosition.length + 1);
    const checks: number[] = [];
    const covered = new Set([...statePaths, ...rangeDims.keys()]);
    byPosition.forEach((c, pos) => {
      const decider = c && deciderOf(c.plan, rangeDims, covered);
      if (decider) {
        this.decidable[pos] = 1;
        for (const r of decider.ranges) checks.push(r.dim.slot, r.lo, r.hi, (r.loOpen ? 1 : 0) | (r.hiOpen ? 2 : 0));
        if (decider.cone) this.cones[pos] = decider.cone;
      }
      this.checkStart[pos + 1] = checks.length;
    });
    this.checks = Float64Array.from(checks);
  }

  /**
   * Whether the filter at `pos`, a candidate of the alert just narrowed, is TRUE, when its
   * requirements are the whole filter (`plan.exact`); EVALUATE when it must be evaluated. Every
   * other condition of such a filter was decided exactly by the bitsets; what is left are the
   * numeric bounds (a bucket may straddle one, and strictness), checked on the values the
   * dimensions read for this alert, and the cone. Those values are this alert's: a candidate's
   * word stayed active through `narrow`, so every dimension constraining it was applied.
   */
  decide(pos: number, alert: Alert): Decision {
    if (this.decidable[pos] === 0) return EVALUATE;
    const checks = this.checks;
    const values = this.values;
    for (let i = this.checkStart[pos]!, end = this.checkStart[pos + 1]!; i < end; i += 4) {
      const v = values[checks[i]!]!;
      const lo = checks[i + 1]!;
      const hi = checks[i + 2]!;
      const flags = checks[i + 3]!;
      if (!((flags & 1) !== 0 ? v > lo : v >= lo) || !((flags & 2) !== 0 ? v < hi : v <= hi)) return NOT_MATCHED;
    }
    const cone = this.cones[pos];
    if (!cone) return MATCHED;
    // As the cone() function: the alert's own position, within the radius.
    const ra = own(alert, 'ra');
    const dec = own(alert, 'dec');
    if (typeof ra !== 'number' || typeof dec !== 'number' || Number.isNaN(ra) || Number.isNaN(dec)) return NOT_MATCHED;
    return separationArcsec(ra, dec, cone.ra, cone.dec) <= cone.radiusArcsec ? MATCHED : NOT_MATCHED;
  }

  /**
   * ANDs every dimension's bitset for this alert into `acc` over the words `active[0..count)`,
   * zeroing the words that empty; returns how many words are left, compacted at the front of
   * `active`. A dimension constraining none of the filters in those words is skipped without
   * reading its field (each word lists the dimensions constraining its filters).
   */
  narrow(alert: Alert, acc: Int32Array, active: Int32Array, count: number): number {
    // The dimensions constraining any filter of the proposed words, in order.
    const span = this.dimWords;
    const relevant = this.relevant.fill(0);
    for (let j = 0; j < count; j++) {
      const at = active[j]! * span;
      for (let k = 0; k < span; k++) relevant[k]! |= this.wordDims[at + k]!;
    }
    for (let k = 0; k < span; k++) {
      let m = relevant[k]!;
      while (m !== 0 && count > 0) {
        const low = m & -m;
        m ^= low;
        count = this.apply(this.dims[k * 32 + 31 - Math.clz32(low)]!, alert, acc, active, count);
      }
    }
    return count;
  }

  /** ANDs one dimension into the active words, unless the earlier ones emptied every word it constrains. */
  private apply(dim: Dimension, alert: Alert, acc: Int32Array, active: Int32Array, count: number): number {
    const touched = dim.touched;
    let first = 0;
    while (first < count && touched[active[first]!] === 0) first++;
    if (first === count) return count;
    const bits = dim.bitsOf(alert);
    let kept = 0;
    for (let j = 0; j < count; j++) {
      const w = active[j]!;
      const v = acc[w]! & bits[w]!;
      acc[w] = v;
      if (v !== 0) active[kept++] = w;
    }
    return kept;
  }
}

interface RangeMember { pos: number; lo: number; hi: number }
interface StateMember { pos: number; present?: boolean; absent?: boolean; isTrue?: boolean; isFalse?: boolean; values?: readonly string[] }
interface HitMember { pos: number; keys: readonly string[] }

/** Sample alerts used to order the dimensions. */
const ORDER_SAMPLE = 64;

/**
 * The dimensions in the order they are applied: those expected to clear the most bits first (the
 * mean, over recent alerts, of the filters a dimension constrains that the alert fails), so the
 * proposed words empty early and later dimensions touch fewer of them; without a sample, those
 * constraining the most filters first.
 */
function orderBySelectivity(dims: Dimension[], words: number, sample: readonly Alert[]): Dimension[] {
  const alerts = sample.slice(0, ORDER_SAMPLE);
  if (alerts.length === 0) return dims.sort((a, b) => b.constrained - a.constrained);
  const cleared = new Map<Dimension, number>();
  for (const dim of dims) {
    // Every bit not constrained by the dimension is set in all its bitsets.
    const free = words * 32 - dim.constrained;
    let sum = 0;
    for (const alert of alerts) sum += dim.constrained - (popcount(dim.bitsOf(alert)) - free);
    cleared.set(dim, sum / alerts.length);
  }
  return dims.sort((a, b) => cleared.get(b)! - cleared.get(a)!);
}

function popcount(bits: Int32Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) {
    let v = bits[i]! - ((bits[i]! >>> 1) & 0x55555555);
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return n;
}

/** What decides an exact filter once its candidate passed the bitsets. */
interface Decider {
  ranges: { dim: RangeDimension; lo: number; hi: number; loOpen: boolean; hiOpen: boolean }[];
  cone?: { ra: number; dec: number; radiusArcsec: number };
}

/**
 * The decider of a filter whose plan is exact and whose every condition has a dimension (a range
 * with no finite bound has none, and then its value would not be read); `covered` holds the
 * fields whose presence, absence, truth or string value a dimension decides exactly.
 */
function deciderOf(plan: IndexPlan, rangeDims: Map<string, RangeDimension>, covered: Set<string>): Decider | undefined {
  if (!plan.exact) return undefined;
  // The hits dimension indexes one requirement per namespace.
  if (plan.hits.length > 1 && plan.hits.some((h, i) => plan.hits.findIndex((o) => o.namespace === h.namespace) !== i)) return undefined;
  const ranges: Decider['ranges'] = [];
  for (const [path, r] of plan.ranges) {
    const dim = rangeDims.get(path);
    if (!dim || (r.lo === -Infinity && r.hi === Infinity)) return undefined;
    ranges.push({ dim, lo: r.lo, hi: r.hi, loOpen: r.loOpen === true, hiOpen: r.hiOpen === true });
  }
  for (const path of plan.required) if (!covered.has(path)) return undefined;
  for (const path of plan.absent) if (!covered.has(path)) return undefined;
  for (const path of plan.isTrue) if (!covered.has(path)) return undefined;
  for (const path of plan.isFalse) if (!covered.has(path)) return undefined;
  for (const path of plan.equals.keys()) if (!covered.has(path)) return undefined;
  return plan.cone ? { ranges, cone: plan.cone } : { ranges };
}

/**
 * A numeric field: the value axis cut at sorted bounds into buckets; a filter's bit is set in
 * every bucket its interval overlaps, and in every bucket when it has no range on the field. A
 * missing value allows only the filters without a range on it.
 */
class RangeDimension implements Dimension {
  readonly constrained: number;
  readonly touched: Uint8Array;
  private readonly bounds: Float64Array;
  private readonly buckets: Int32Array[];
  private readonly missing: Int32Array;

  /**
   * `values[slot]` receives the value read for the latest alert (NaN when missing), for the
   * deciders' bound checks.
   */
  constructor(private readonly get: Accessor, members: RangeMember[], present: number[], words: number, values: number[], private readonly latest: Float64Array, readonly slot: number) {
    const all = [...members, ...present.map((pos) => ({ pos }))];
    this.constrained = all.length;
    this.touched = touchedWords(all, words);
    this.missing = dontCare(all, words);
    this.bounds = boundsOf(members, values);
    this.buckets = Array.from({ length: this.bounds.length + 1 }, () => this.missing.slice());
    for (const { pos, lo, hi } of members) {
      const last = bucketOf(this.bounds, hi);
      for (let k = bucketOf(this.bounds, lo); k <= last; k++) setBit(this.buckets[k]!, pos);
    }
    // Filters that only need the field present: every bucket, not missing.
    for (const pos of present) for (const bucket of this.buckets) setBit(bucket, pos);
  }

  bitsOf(alert: Alert): Int32Array {
    const v = this.get(alert);
    if (typeof v !== 'number') {
      this.latest[this.slot] = NaN;
      return this.missing;
    }
    this.latest[this.slot] = v;
    return this.buckets[bucketOf(this.bounds, v)]!;
  }
}

/**
 * A field tested for presence, absence, truth or equality to strings: one bitset per state the
 * value can be in (missing, true, false, each listed string, any other string, anything else).
 */
class StateDimension implements Dimension {
  readonly constrained: number;
  readonly touched: Uint8Array;
  private readonly missing: Int32Array;
  private readonly isTrue: Int32Array;
  private readonly isFalse: Int32Array;
  private readonly other: Int32Array;
  private readonly otherString: Int32Array;
  /** Listed strings: a bitset when many filters list one (bands), else the positions to add to `otherString`. */
  private readonly byString = new Map<string, Int32Array>();
  private readonly addedByString = new Map<string, number[]>();
  private readonly scratch: Int32Array;

  constructor(private readonly get: Accessor, members: StateMember[], words: number) {
    this.constrained = members.length;
    this.touched = touchedWords(members, words);
    const base = dontCare(members, words);
    const stateBits = (v: Value, from = base, among: readonly StateMember[] = members): Int32Array => {
      const bits = from.slice();
      for (const m of among) if (allows(m, v)) setBit(bits, m.pos);
      return bits;
    };
    this.missing = stateBits(null);
    this.isTrue = stateBits(true);
    this.isFalse = stateBits(false);
    this.other = stateBits(0);
    // A listed string is allowed by what allows any string, plus the members listing it.
    const listing = new Map<string, StateMember[]>();
    for (const m of members) for (const s of m.values ?? []) push(listing, s, m);
    let unlisted = '\u0000';
    while (listing.has(unlisted)) unlisted += '\u0000';
    this.otherString = stateBits(unlisted);
    this.scratch = new Int32Array(words);
    for (const [s, among] of listing) {
      const added = among.filter((m) => allows(m, s)).map((m) => m.pos);
      // Thousands of object ids listed once each would otherwise cost a bitset apiece.
      if (added.length * 8 >= words) this.byString.set(s, stateBits(s, this.otherString, among));
      else this.addedByString.set(s, added);
    }
  }

  bitsOf(alert: Alert): Int32Array {
    const v = this.get(alert);
    if (v === null) return this.missing;
    if (v === true) return this.isTrue;
    if (v === false) return this.isFalse;
    if (typeof v === 'string') {
      const bits = this.byString.get(v);
      if (bits) return bits;
      const added = this.addedByString.get(v);
      if (!added) return this.otherString;
      const out = this.scratch;
      out.set(this.otherString);
      for (let i = 0; i < added.length; i++) setBit(out, added[i]!);
      return out;
    }
    return this.other;
  }
}

function allows(m: StateMember, v: Value): boolean {
  if (m.present && v === null) return false;
  if (m.absent && v !== null) return false;
  if (m.isTrue && v !== true) return false;
  if (m.isFalse && v !== false) return false;
  return m.values === undefined || (typeof v === 'string' && m.values.includes(v));
}

/** The owner's watchlists (watchmaps): a filter requiring one passes when the alert hits one of its names. */
class HitsDimension implements Dimension {
  readonly constrained: number;
  readonly touched: Uint8Array;
  private readonly base: Int32Array;
  private readonly scratch: Int32Array;
  private readonly byKey = new Map<string, number[]>();

  constructor(private readonly namespace: 'watchlist' | 'watchmap', members: HitMember[], words: number) {
    this.constrained = members.length;
    this.touched = touchedWords(members, words);
    this.base = dontCare(members, words);
    this.scratch = new Int32Array(words);
    for (const { pos, keys } of members) for (const key of keys) push(this.byKey, key, pos);
  }

  bitsOf(alert: Alert): Int32Array {
    let bits = this.base;
    for (const name of hitTokensOf(alert, this.namespace)) {
      const positions = this.byKey.get(name);
      if (!positions) continue;
      if (bits === this.base) {
        bits = this.scratch;
        bits.set(this.base);
      }
      for (const pos of positions) setBit(bits, pos);
    }
    return bits;
  }
}

function touchedWords(members: readonly { pos: number }[], words: number): Uint8Array {
  const touched = new Uint8Array(words);
  for (const { pos } of members) touched[pos >>> 5] = 1;
  return touched;
}

/** All ones but the members' bits: the filters with no condition in this dimension. */
function dontCare(members: readonly { pos: number }[], words: number): Int32Array {
  const bits = new Int32Array(words).fill(-1);
  for (const { pos } of members) bits[pos >>> 5]! &= ~(1 << (pos & 31));
  return bits;
}

function setBit(bits: Int32Array, pos: number): void {
  bits[pos >>> 5]! |= 1 << (pos & 31);
}

/** The bucket of a value: how many bounds are <= it. */
function bucketOf(bounds: Float64Array, v: number): number {
  return upperBound(bounds, v);
}

/**
 * The bucket bounds of a numeric field. With few distinct finite bounds among the filters, each
 * bound b gives two (b and the next double), so a bucket holds exactly b and the buckets are
 * exact: an alert is a candidate only if its value is inside the interval. Otherwise half the
 * bounds are quantiles of the recent alerts' values (where alerts fall, buckets are narrow, so a
 * filter is a false candidate only for the few alerts of the bucket its threshold falls in) and
 * the rest quantiles of the filters' bounds (so a sample that is not like the stream to come
 * cannot leave all thresholds in one bucket).
 */
function boundsOf(members: readonly RangeMember[], values: number[]): Float64Array {
  const ends = distinctSorted(members.flatMap(({ lo, hi }) => [lo, hi]).filter(Number.isFinite));
  if (ends.length * 2 <= MAX_BOUNDS) return Float64Array.from(distinctSorted(ends.flatMap((b) => [b, nextUp(b)])));
  const fromSample = values.length >= MAX_BOUNDS >> 1 ? MAX_BOUNDS >> 1 : 0;
  return Float64Array.from(distinctSorted([...quantiles(values.sort((a, b) => a - b), fromSample), ...quantiles(ends, MAX_BOUNDS - fromSample)]));
}

/** `n` values of a sorted list at evenly spaced ranks. */
function quantiles(sorted: readonly number[], n: number): number[] {
  const out: number[] = [];
  for (let i = 1; i <= n; i++) out.push(sorted[Math.floor((i * sorted.length) / (n + 1))]!);
  return out;
}

/** The smallest double above a finite x. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigInt64(0, view.getBigInt64(0) + (x > 0 ? 1n : -1n));
  return view.getFloat64(0);
}

function distinctSorted(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function sampleValues(get: Accessor, sample: readonly Alert[]): number[] {
  const out: number[] = [];
  for (const alert of sample) {
    const v = get(alert);
    if (typeof v === 'number') out.push(v);
  }
  return out;
}

/**
 * Field readers that read each field at most once per alert, shared by everything that reads the
 * alert while the index proposes and narrows its candidates (anchors and dimensions often read
 * the same fields). `begin` starts an alert; a reader called with any other alert just reads.
 */
export class FieldReads {
  private readonly readers = new Map<string, Accessor>();
  private alert: Alert | undefined;
  private stamp = 0;

  begin(alert: Alert): void {
    this.alert = alert;
    this.stamp++;
  }

  /** The reader of a catalogue path (undefined for a path outside the catalogue). */
  reader(path: string): Accessor | undefined {
    const known = this.readers.get(path);
    if (known) return known;
    const get = fieldAccessor(path);
    if (!get) return undefined;
    let readAt = 0;
    let value: Value = null;
    const reader: Accessor = (alert) => {
      if (alert !== this.alert) return get(alert);
      if (readAt !== this.stamp) {
        value = get(alert);
        readAt = this.stamp;
      }
      return value;
    };
    this.readers.set(path, reader);
    return reader;
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
