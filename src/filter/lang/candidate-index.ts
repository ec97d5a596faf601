import type { Alert } from '../../alert/types.js';
import { lookupField } from '../../alert/catalogue.js';
import { makeAccessor, type Accessor } from './accessor.js';
import type { IndexPlan } from './plan.js';
import { RangeIndex } from './range-index.js';
import { SkyGrid } from './sky-cells.js';

/**
 * The candidate index of one survey's filters. Each filter is filed under ONE necessary
 * condition of its top-level conjunction (its anchor), chosen by how few alerts are likely to
 * pass it: a cone's sky cells, an equality (`objectId == "..."`, then `band`), the presence of
 * an annotation, a numeric range, the presence of any other field; a filter with none is always
 * a candidate. An alert's candidates are the filters whose anchor it satisfies; the filters
 * themselves then decide. Because every anchor is necessary, no filter that could be TRUE is
 * ever skipped.
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
export function anchorOptions(plan: IndexPlan, grid: SkyGrid): Anchor[] {
  const out: Anchor[] = [];
  if (plan.cone) {
    const cells = grid.cellsOfCone(plan.cone.ra, plan.cone.dec, plan.cone.radiusArcsec);
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

/**
 * The anchor to file a filter under: the option fewest alerts of a recent sample passed (so the
 * index adapts to the stream: `mag < 16` is tight, `reliability > 0.3` is not), or without a
 * sample the first in the static order.
 */
export function chooseAnchor(plan: IndexPlan, grid: SkyGrid, sample: readonly Alert[] = []): Anchor {
  const options = anchorOptions(plan, grid);
  if (options.length === 0) return { kind: 'always' };
  if (sample.length < MIN_SAMPLE) return options[0]!;
  let best = options[0]!;
  let bestPasses = Infinity;
  for (const option of options) {
    let passes = 0;
    for (const alert of sample) if (anchorPasses(option, alert, grid)) passes++;
    if (passes < bestPasses) {
      best = option;
      bestPasses = passes;
    }
  }
  return best;
}

export const MIN_SAMPLE = 64;

const accessors = new Map<string, Accessor>();

function accessorOf(path: string): Accessor {
  let get = accessors.get(path);
  if (!get) {
    get = makeAccessor(path.split('.'), lookupField(path)?.type ?? 'object');
    accessors.set(path, get);
  }
  return get;
}

function anchorPasses(anchor: Anchor, alert: Alert, grid: SkyGrid): boolean {
  switch (anchor.kind) {
    case 'always': return true;
    case 'cone': {
      const cell = grid.cellOf(alert.ra, alert.dec);
      return cell !== undefined && anchor.cells.includes(cell);
    }
    case 'equals': {
      const v = accessorOf(anchor.path)(alert);
      return typeof v === 'string' && anchor.values.includes(v);
    }
    case 'present': return accessorOf(anchor.path)(alert) !== null;
    case 'range': {
      const v = accessorOf(anchor.path)(alert);
      return typeof v === 'number' && v >= anchor.lo && v <= anchor.hi;
    }
  }
}

export class CandidateIndex<T> {
  private readonly always = new Set<T>();
  private readonly cones = new Map<number, Set<T>>();
  private readonly equals = new Map<string, { get: Accessor; byValue: Map<string, Set<T>> }>();
  private readonly present = new Map<string, { get: Accessor; items: Set<T> }>();
  private readonly ranges = new Map<string, { get: Accessor; index: RangeIndex<T> }>();
  private readonly anchors = new Map<T, Anchor>();

  constructor(private readonly grid: SkyGrid) {}

  get size(): number {
    return this.anchors.size;
  }

  add(item: T, anchor: Anchor): void {
    this.remove(item);
    this.anchors.set(item, anchor);
    switch (anchor.kind) {
      case 'always': this.always.add(item); break;
      case 'cone': for (const cell of anchor.cells) setIn(this.cones, cell).add(item); break;
      case 'equals': {
        const slot = this.slot(this.equals, anchor.path, () => ({ byValue: new Map<string, Set<T>>() }));
        for (const v of anchor.values) setIn(slot.byValue, v).add(item);
        break;
      }
      case 'present': this.slot(this.present, anchor.path, () => ({ items: new Set<T>() })).items.add(item); break;
      case 'range': this.slot(this.ranges, anchor.path, () => ({ index: new RangeIndex<T>() })).index.add(anchor.lo, anchor.hi, item); break;
    }
  }

  remove(item: T): void {
    const anchor = this.anchors.get(item);
    if (!anchor) return;
    this.anchors.delete(item);
    switch (anchor.kind) {
      case 'always': this.always.delete(item); break;
      case 'cone': for (const cell of anchor.cells) deleteFrom(this.cones, cell, item); break;
      case 'equals': for (const v of anchor.values) { const slot = this.equals.get(anchor.path); if (slot) deleteFrom(slot.byValue, v, item); } break;
      case 'present': this.present.get(anchor.path)?.items.delete(item); break;
      case 'range': this.ranges.get(anchor.path)?.index.remove(item); break;
    }
  }

  /** Calls `visit` once for every filter this alert may match. */
  forEachCandidate(alert: Alert, visit: (item: T) => void): void {
    for (const item of this.always) visit(item);
    const cell = this.grid.cellOf(alert.ra, alert.dec);
    if (cell !== undefined) this.cones.get(cell)?.forEach(visit);
    for (const { get, byValue } of this.equals.values()) {
      const v = get(alert);
      if (typeof v === 'string') byValue.get(v)?.forEach(visit);
    }
    for (const { get, items } of this.present.values()) if (items.size > 0 && get(alert) !== null) items.forEach(visit);
    for (const { get, index } of this.ranges.values()) {
      const v = get(alert);
      if (typeof v === 'number') index.forEachContaining(v, visit);
    }
  }

  private slot<S extends object>(map: Map<string, S & { get: Accessor }>, path: string, make: () => S): S & { get: Accessor } {
    let slot = map.get(path);
    if (!slot) {
      const def = lookupField(path)!;
      slot = { ...make(), get: makeAccessor(path.split('.'), def.type) };
      map.set(path, slot);
    }
    return slot;
  }
}

function setIn<K, T>(map: Map<K, Set<T>>, key: K): Set<T> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}

function deleteFrom<K, T>(map: Map<K, Set<T>>, key: K, item: T): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(item);
  if (set.size === 0) map.delete(key);
}
