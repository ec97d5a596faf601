import { performance } from 'node:perf_hooks';
import type { Alert } from '../../alert/types.js';
import { lookupField } from '../../alert/catalogue.js';
import { fieldAccessor, type Accessor } from './accessor.js';
import type { IndexPlan } from './plan.js';
import { ConditionBits, EVALUATE, FieldReads, type Decision, type FilterConditions } from './condition-bits.js';
import { SkyGrid } from './sky-cells.js';
import { lowerBound, upperBound } from '../../annotate/sky/radix-sort.js';

/**
 * A filter's anchor: the ONE necessary condition of its top-level conjunction the index looks it
 * up by, chosen by how few alerts are likely to pass it: a cone's sky cells, an equality
 * (`objectId == "..."`, then `band`), the presence of an annotation, a numeric range, the presence
 * of any other field; a filter with none is `always` proposed. Because every anchor is
 * necessary, no filter that could be TRUE is ever skipped.
 */
export type Anchor =
  | { kind: 'cone'; cells: number[] }
  | { kind: 'equals'; path: string; values: string[] }
  | { kind: 'present'; path: string }
  | { kind: 'range'; path: string; lo: number; hi: number }
  | { kind: 'always' };

/** Annotation namespaces that are absent on most alerts: being present is selective. */
const SPARSE_NAMESPACES = new Set(['xmatch', 'watchlist', 'watchmap', 'anomaly']);

/** Every necessary condition of a plan the index can file a filter under, in a static order of preference. */
function anchorOptions(plan: IndexPlan, grid: SkyGrid): Anchor[] {
  const out: Anchor[] = [];
  if (plan.cone) {
    const cells = coneCells(plan.cone, grid);
    if (cells) out.push({ kind: 'cone', cells });
  }
  const equals = [...plan.equals].filter(([path]) => path !== 'survey').sort(([a, av], [b, bv]) => Number(a === 'band') - Number(b === 'band') || av.length - bv.length);
  const required = [...plan.required].filter((p) => lookupField(p) !== undefined);
  const sparse = required.filter((p) => SPARSE_NAMESPACES.has(p.split('.')[0]!));
  for (const [path, values] of equals) if (path !== 'band') out.push({ kind: 'equals', path, values });
  for (const path of sparse) out.push({ kind: 'present', path });
  for (const [path, values] of equals) if (path === 'band') out.push({ kind: 'equals', path, values });
  for (const [path, r] of plan.ranges) if (r.lo > -Infinity || r.hi < Infinity) out.push({ kind: 'range', path, lo: r.lo, hi: r.hi });
  for (const path of required) if (path.includes('.') && !sparse.includes(path)) out.push({ kind: 'present', path });
  return out;
}

/** A cone's cells on a grid, computed once per cone and grid cell size. */
const cellsByCone = new WeakMap<NonNullable<IndexPlan['cone']>, { cellDeg: number; cells: number[] | undefined }>();

function coneCells(cone: NonNullable<IndexPlan['cone']>, grid: SkyGrid): number[] | undefined {
  const known = cellsByCone.get(cone);
  if (known && known.cellDeg === grid.cellDeg) return known.cells;
  const cells = grid.cellsOfCone(cone.ra, cone.dec, cone.radiusArcsec);
  cellsByCone.set(cone, { cellDeg: grid.cellDeg, cells });
  return cells;
}

/**
 * The anchor to file a filter under: the option fewest alerts of a recent sample passed (so the
 * index adapts to the stream: `mag < 16` is tight, `reliability > 0.3` is not), or without a
 * sample the first in the static order.
 */
function chooseAnchor(plan: IndexPlan, grid: SkyGrid, counts?: SampleCounts): Anchor {
  const options = anchorOptions(plan, grid);
  if (options.length === 0) return { kind: 'always' };
  if (!counts || counts.size < MIN_SAMPLE) return options[0]!;
  let best = options[0]!;
  let bestPasses = Infinity;
  for (const option of options) {
    const n = counts.passes(option);
    if (n < bestPasses) {
      best = option;
      bestPasses = n;
    }
  }
  return best;
}

export const MIN_SAMPLE = 64;

/** The reader of an anchor's field (anchors are catalogue fields; anything else reads as missing). */
function accessorOf(path: string): Accessor {
  return fieldAccessor(path) ?? missing;
}

const missing: Accessor = () => null;

/**
 * How many alerts of a sample pass each anchor, from per-field summaries of the sample made once
 * (sorted numbers, string counts, presence, sky cells), so choosing the anchors of 10,000
 * filters is a few lookups each rather than a pass over the sample per option.
 */
class SampleCounts {
  private readonly alerts: Alert[];
  private readonly numbers = new Map<string, Float64Array>();
  private readonly strings = new Map<string, Map<string, number>>();
  private readonly present = new Map<string, number>();
  private cells: Map<number, number> | undefined;

  /** Copies the sample: later changes to it do not change the counts. */
  constructor(sample: readonly Alert[], private readonly grid: SkyGrid) {
    this.alerts = sample.filter((a) => a !== undefined);
  }

  get size(): number {
    return this.alerts.length;
  }

  passes(anchor: Anchor): number {
    switch (anchor.kind) {
      case 'always': return this.alerts.length;
      case 'cone': {
        const cells = (this.cells ??= countBy(this.alerts, (a) => this.grid.cellOf(a.ra, a.dec)));
        return anchor.cells.reduce((n, cell) => n + (cells.get(cell) ?? 0), 0);
      }
      case 'equals': {
        const get = accessorOf(anchor.path);
        const counts = cached(this.strings, anchor.path, () => countBy(this.alerts, (a) => stringOrUndefined(get(a))));
        return anchor.values.reduce((n, v) => n + (counts.get(v) ?? 0), 0);
      }
      case 'present': {
        const get = accessorOf(anchor.path);
        return cached(this.present, anchor.path, () => this.alerts.filter((a) => get(a) !== null).length);
      }
      case 'range': {
        const get = accessorOf(anchor.path);
        const sorted = cached(this.numbers, anchor.path, () => Float64Array.from(this.alerts.map(get).filter((v): v is number => typeof v === 'number')).sort());
        return upperBound(sorted, anchor.hi) - lowerBound(sorted, anchor.lo);
      }
    }
  }
}

function stringOrUndefined(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function countBy<K>(alerts: readonly Alert[], key: (a: Alert) => K | undefined): Map<K, number> {
  const out = new Map<K, number>();
  for (const a of alerts) {
    const k = key(a);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + 1);
  }
  return out;
}

function cached<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) map.set(key, (v = make()));
  return v;
}

/** What the index keeps of a filter. */
interface Member {
  conditions: FilterConditions;
  anchor: Anchor;
}

/** About what a filter costs when it is a candidate of every alert while it waits for a layout (µs). */
const PENDING_VISIT_US = 1;

/**
 * The candidate index of one survey's filters. Each filter is filed under its anchor, and the
 * filters are laid out at positions in anchor order, so the filters an anchor lookup proposes
 * (`mag <= c` for every c above the alert's mag, a band, a sky cell) are a few runs of
 * positions, set in a bitset. The filters' other necessary conditions, one bitset per field
 * (ConditionBits), are then ANDed over those words only: an alert's candidates are the filters
 * passing every indexed condition, found with a few word operations per field instead of one
 * check per filter.
 *
 * Filters added since the last layout are candidates for every alert (evaluation decides), and
 * removed ones are skipped. The index is laid out again at once when the changes reach a
 * sixteenth of its filters, and otherwise when what the waiting filters have cost since the last
 * layout (about 1 µs per filter and alert) reaches what that layout took: a few changes to
 * 10,000 filters wait a few thousand alerts, and laying out never takes more than waiting does.
 */
export class CandidateIndex<T> {
  private readonly members = new Map<T, Member>();
  private readonly pending = new Set<T>();
  private removedSinceLayout = 0;
  private pendingVisits = 0;
  private lastLayoutMs = 0;
  private layout: Layout<T> | undefined;
  /** The sample as of the last reanchor, summarised for choosing anchors. */
  private counts: SampleCounts | undefined;

  /** `sample` is recent alerts (kept by the owner): anchors and numeric buckets are chosen for it. */
  constructor(private readonly grid: SkyGrid, private readonly sample: readonly Alert[] = []) {}

  get size(): number {
    return this.members.size;
  }

  add(item: T, conditions: FilterConditions): void {
    this.remove(item);
    this.members.set(item, { conditions, anchor: chooseAnchor(conditions.plan, this.grid, this.counts) });
    this.pending.add(item);
  }

  remove(item: T): void {
    if (!this.members.delete(item)) return;
    if (this.pending.delete(item)) return;
    this.layout?.drop(item);
    this.removedSinceLayout++;
  }

  anchorOf(item: T): Anchor | undefined {
    return this.members.get(item)?.anchor;
  }

  /** Files every filter again under the anchor most selective on the current sample, and lays the index out for it. */
  reanchor(): void {
    this.counts = new SampleCounts(this.sample, this.grid);
    for (const member of this.members.values()) member.anchor = chooseAnchor(member.conditions.plan, this.grid, this.counts);
    this.relayout();
  }

  /**
   * Appends to `items` every filter this alert may match (may throw what a field read throws),
   * and to `decisions` the filter's result when the index decided it (see ConditionBits.decide):
   * MATCHED or NOT_MATCHED, or EVALUATE when the filter must be evaluated.
   */
  collect(alert: Alert, items: T[], decisions: Decision[]): void {
    if (this.stale()) this.relayout();
    this.layout?.collect(alert, items, decisions);
    for (const item of this.pending) {
      items.push(item);
      decisions.push(EVALUATE);
    }
  }

  private stale(): boolean {
    if (!this.layout) return this.members.size > 0;
    if (this.pending.size + this.removedSinceLayout > Math.max(16, this.members.size >> 4)) return true;
    this.pendingVisits += this.pending.size;
    return this.pending.size > 0 && (this.pendingVisits * PENDING_VISIT_US) / 1000 >= this.lastLayoutMs;
  }

  private relayout(): void {
    const started = performance.now();
    this.layout = this.members.size > 0 ? new Layout(this.grid, [...this.members], this.sample) : undefined;
    this.lastLayoutMs = performance.now() - started;
    this.pending.clear();
    this.removedSinceLayout = 0;
    this.pendingVisits = 0;
  }
}

interface SortedRun {
  start: number;
  bounds: Float64Array;
}

/**
 * Filters anchored on one numeric field, in three runs: `<= bound` and `>= bound` sorted by
 * bound, and intervals sorted by lower bound (their upper bounds are left to the field's bitsets).
 */
interface RangeRuns {
  get: Accessor;
  below: { start: number; bounds: number[] };
  above: { start: number; bounds: number[] };
  within: { start: number; lo: number[] };
}

/** One arrangement of the filters at positions, with the anchor lookups and condition bitsets over them. */
class Layout<T> {
  private readonly items: (T | undefined)[] = [];
  private readonly positions = new Map<T, number>();
  private always = { start: 0, end: 0 };
  private readonly present = new Map<string, { get: Accessor; start: number; end: number }>();
  /** Per field and value, the positions filed under it as runs: start, end, start, end... */
  private readonly equals = new Map<string, { get: Accessor; byValue: Map<string, number[]> }>();
  private readonly ranges = new Map<string, RangeRuns>();
  private readonly cones = new Map<number, number[]>();
  /** The lookups as arrays, for the per-alert loops. */
  private readonly equalsList: { get: Accessor; byValue: Map<string, number[]> }[];
  private readonly presentList: { get: Accessor; start: number; end: number }[];
  private readonly rangeList: { get: Accessor; below: SortedRun; above: SortedRun; within: { start: number; lo: Float64Array } }[];
  private readonly bits: ConditionBits;
  private readonly reads = new FieldReads();
  private readonly acc: Int32Array;
  private readonly active: Int32Array;
  private count = 0;

  constructor(private readonly grid: SkyGrid, members: [T, Member][], sample: readonly Alert[]) {
    members.sort(([, a], [, b]) => compareAnchors(a.anchor, b.anchor));
    const conditions: FilterConditions[] = [];
    for (const [item, { anchor, conditions: c }] of members) {
      const pos = this.items.length;
      this.items.push(item);
      this.positions.set(item, pos);
      conditions.push(c);
      this.file(anchor, pos);
    }
    for (const { byValue } of this.equals.values()) for (const [v, positions] of byValue) byValue.set(v, runsOf(positions));
    this.equalsList = [...this.equals.values()];
    this.presentList = [...this.present.values()];
    this.rangeList = [...this.ranges.values()].map(({ get, below, above, within }) => ({
      get,
      below: { start: below.start, bounds: Float64Array.from(below.bounds) },
      above: { start: above.start, bounds: Float64Array.from(above.bounds) },
      within: { start: within.start, lo: Float64Array.from(within.lo) },
    }));
    const words = Math.max(1, Math.ceil(this.items.length / 32));
    this.bits = new ConditionBits(conditions, words, sample, this.reads);
    this.acc = new Int32Array(words);
    this.active = new Int32Array(words);
  }

  drop(item: T): void {
    const pos = this.positions.get(item);
    if (pos === undefined) return;
    this.items[pos] = undefined;
    this.positions.delete(item);
  }

  collect(alert: Alert, out: T[], decisions: Decision[]): void {
    const acc = this.acc;
    const active = this.active;
    let count: number;
    this.reads.begin(alert);
    try {
      this.propose(alert);
      count = this.bits.narrow(alert, acc, active, this.count);
    } catch (err) {
      acc.fill(0);
      throw err;
    } finally {
      this.count = 0;
    }
    const items = this.items;
    for (let j = 0; j < count; j++) {
      const w = active[j]!;
      let v = acc[w]!;
      acc[w] = 0;
      while (v !== 0) {
        const low = v & -v;
        v ^= low;
        const pos = w * 32 + 31 - Math.clz32(low);
        const item = items[pos];
        if (item === undefined) continue;
        out.push(item);
        decisions.push(this.bits.decide(pos, alert));
      }
    }
  }

  /** Sets in `acc` the positions of every filter whose anchor the alert passes. */
  private propose(alert: Alert): void {
    this.markRun(this.always.start, this.always.end);
    const cell = this.grid.cellOf(alert.ra, alert.dec);
    if (cell !== undefined) this.markEach(this.cones.get(cell));
    const equals = this.equalsList;
    for (let i = 0; i < equals.length; i++) {
      const v = equals[i]!.get(alert);
      if (typeof v === 'string') this.markRuns(equals[i]!.byValue.get(v));
    }
    const present = this.presentList;
    for (let i = 0; i < present.length; i++) if (present[i]!.get(alert) !== null) this.markRun(present[i]!.start, present[i]!.end);
    const ranges = this.rangeList;
    for (let i = 0; i < ranges.length; i++) {
      const { get, below, above, within } = ranges[i]!;
      const v = get(alert);
      if (typeof v !== 'number') continue;
      this.markRun(below.start + lowerBound(below.bounds, v), below.start + below.bounds.length);
      this.markRun(above.start, above.start + upperBound(above.bounds, v));
      // Intervals starting at or below v; the field's bitsets then drop those ending below it.
      this.markRun(within.start, within.start + upperBound(within.lo, v));
    }
  }

  private mark(pos: number): void {
    const w = pos >>> 5;
    if (this.acc[w] === 0) this.active[this.count++] = w;
    this.acc[w]! |= 1 << (pos & 31);
  }

  private markRuns(runs: readonly number[] | undefined): void {
    if (runs) for (let i = 0; i < runs.length; i += 2) this.markRun(runs[i]!, runs[i + 1]!);
  }

  private markEach(positions: readonly number[] | undefined): void {
    if (positions) for (let i = 0; i < positions.length; i++) this.mark(positions[i]!);
  }

  /** Sets positions [start, end). */
  private markRun(start: number, end: number): void {
    if (start >= end) return;
    const first = start >>> 5;
    const last = (end - 1) >>> 5;
    for (let w = first; w <= last; w++) {
      let mask = -1;
      if (w === first) mask &= -1 << (start & 31);
      if (w === last && (end & 31) !== 0) mask &= (1 << (end & 31)) - 1;
      if (this.acc[w] === 0) this.active[this.count++] = w;
      this.acc[w]! |= mask;
    }
  }

  private readerOf(path: string): Accessor {
    return this.reads.reader(path) ?? missing;
  }

  /** Records a filter's anchor at its position; filters arrive in anchor order, so runs are contiguous. */
  private file(anchor: Anchor, pos: number): void {
    switch (anchor.kind) {
      case 'always':
        if (this.always.end === this.always.start) this.always = { start: pos, end: pos };
        this.always.end = pos + 1;
        break;
      case 'cone':
        for (const cell of anchor.cells) listIn(this.cones, cell).push(pos);
        break;
      case 'equals': {
        let slot = this.equals.get(anchor.path);
        if (!slot) this.equals.set(anchor.path, (slot = { get: this.readerOf(anchor.path), byValue: new Map() }));
        for (const v of anchor.values) listIn(slot.byValue, v).push(pos);
        break;
      }
      case 'present': {
        let run = this.present.get(anchor.path);
        if (!run) this.present.set(anchor.path, (run = { get: this.readerOf(anchor.path), start: pos, end: pos }));
        run.end = pos + 1;
        break;
      }
      case 'range': {
        let runs = this.ranges.get(anchor.path);
        if (!runs) {
          runs = { get: this.readerOf(anchor.path), below: { start: pos, bounds: [] }, above: { start: pos, bounds: [] }, within: { start: pos, lo: [] } };
          this.ranges.set(anchor.path, runs);
        }
        // Sorted below, then above, then within: each run starts where the previous ends.
        if (anchor.lo === -Infinity) {
          runs.below.bounds.push(anchor.hi);
          runs.above.start = runs.within.start = pos + 1;
        } else if (anchor.hi === Infinity) {
          runs.above.bounds.push(anchor.lo);
          runs.within.start = pos + 1;
        } else {
          runs.within.lo.push(anchor.lo);
        }
        break;
      }
    }
  }
}

const KIND_ORDER: Record<Anchor['kind'], number> = { always: 0, present: 1, equals: 2, range: 3, cone: 4 };

/** The layout order: by kind, field, then (ranges) side and bound, so each lookup's result is a run. */
function compareAnchors(a: Anchor, b: Anchor): number {
  if (a.kind !== b.kind) return KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  switch (a.kind) {
    case 'always': return 0;
    case 'present': return order(a.path, (b as typeof a).path);
    case 'equals': return order(a.path, (b as typeof a).path) || order(a.values[0] ?? '', (b as typeof a).values[0] ?? '');
    case 'cone': return (a.cells[0] ?? 0) - ((b as typeof a).cells[0] ?? 0);
    case 'range': {
      const c = b as typeof a;
      return order(a.path, c.path) || side(a) - side(c) || boundOf(a) - boundOf(c);
    }
  }
}

/** Code-unit order (no locale rules: this only groups equal strings). */
function order(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function side(r: { lo: number; hi: number }): number {
  return r.lo === -Infinity ? 0 : r.hi === Infinity ? 1 : 2;
}

function boundOf(r: { lo: number; hi: number }): number {
  return r.lo === -Infinity ? r.hi : r.lo;
}

/** Ascending positions as runs [start, end) flattened: a band filed under by a thousand filters is one run. */
function runsOf(positions: readonly number[]): number[] {
  const runs: number[] = [];
  for (const pos of positions) {
    if (runs.length > 0 && runs[runs.length - 1] === pos) runs[runs.length - 1] = pos + 1;
    else runs.push(pos, pos + 1);
  }
  return runs;
}

function listIn<K>(map: Map<K, number[]>, key: K): number[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}
