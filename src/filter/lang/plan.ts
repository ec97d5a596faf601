import type { Band } from '../../alert/types.js';
import { bands as allBands } from '../../alert/types.js';
import { constantValue, mirror } from './compile.js';
import type { Node } from './types.js';

/**
 * What a filter's top-level conjunction requires of an alert, for the many-filter index. Every
 * item is a necessary condition for the filter to be TRUE (the index may only ever skip filters
 * that cannot match):
 * - `equals`: `objectId == "..."`, `band in [...]` (`bands` repeats the band's);
 * - `cone`: `cone(ra, dec, r)` with constant arguments;
 * - `ranges`: `field < c`, `field >= c`, `between(field, lo, hi)`, `abs(field) < c` with constants;
 * - `required`: fields that must be present, since a comparison, arithmetic or strict function
 *   over a missing value is unknown (and `exists(x)` is false);
 * - `isTrue` / `isFalse`: boolean fields standing alone (`isPositive`, `not isPositive`);
 * - `absent`: fields that must be missing (`not exists(x)`);
 * - `hits`: the owner's watchlists and watchmaps the alert must be in (`watchlist.hit("name")`,
 *   `inmap("name")`).
 *
 * `exact` says that these requirements are the whole filter: every conjunct is a numeric
 * comparison, `abs(field) < c` or `between` with constants, a string equality or `in` list, a
 * boolean field alone or negated, `exists(field)` or `not exists(field)`, one `cone` with
 * constants, or `watchlist.hit` / `inmap` with a constant name. An alert meeting
 * them all (ranges with their strictness) makes such a filter TRUE, and failing any makes it not
 * TRUE, so the index can decide it without evaluating it.
 */
export interface Interval {
  lo: number;
  hi: number;
  /** The bound itself is outside (`x > lo`, `x < hi`). */
  loOpen?: boolean;
  hiOpen?: boolean;
}
export interface IndexPlan {
  bands?: Band[];
  /** String or id fields that must equal one of a few constants (`objectId == "..."`, `band in [...]`). */
  equals: Map<string, string[]>;
  cone?: { ra: number; dec: number; radiusArcsec: number };
  ranges: Map<string, Interval>;
  required: Set<string>;
  isTrue: Set<string>;
  isFalse: Set<string>;
  absent: Set<string>;
  hits: { namespace: 'watchlist' | 'watchmap'; name: string }[];
  exact: boolean;
}

export function planOf(root: Node): IndexPlan {
  const plan: IndexPlan = { equals: new Map(), ranges: new Map(), required: new Set(), isTrue: new Set(), isFalse: new Set(), absent: new Set(), hits: [], exact: true };
  const conjuncts = root.kind === 'logical' && root.op === 'and' ? root.operands : [root];
  for (const c of conjuncts) {
    for (const path of requiredFields(c)) plan.required.add(path);
    // Each recorder says whether it captured the whole conjunct (the `|` runs every one).
    const captured = truthOf(c, plan) | equalsOf(c, plan) | coneOf(c, plan) | rangeOf(c, plan) | existsOf(c);
    if (!captured) plan.exact = false;
  }
  const bands = plan.equals.get('band');
  if (bands) plan.bands = bands.filter(isBand);
  return plan;
}

/** Fields whose absence makes this condition not TRUE. */
export function requiredFields(node: Node): Set<string> {
  const out = new Set<string>();
  whenTrue(node, out);
  return out;
}

function whenTrue(node: Node, out: Set<string>): void {
  if (node.kind === 'logical' && node.op === 'and') {
    for (const o of node.operands) whenTrue(o, out);
  } else if (node.kind === 'logical') {
    // An `or` needs what every one of its branches needs.
    const sets = node.operands.map(requiredFields);
    for (const path of sets[0] ?? []) if (sets.every((s) => s.has(path))) out.add(path);
  } else if (node.kind === 'call' && node.name === 'exists') {
    strictIn(node.args[0]!, out);
  } else {
    strictIn(node, out);
  }
}

/** Fields whose absence makes this value missing (or unknown). */
function strictIn(node: Node, out: Set<string>): void {
  switch (node.kind) {
    case 'field': out.add(node.path); return;
    case 'arithmetic': case 'comparison': strictIn(node.left, out); strictIn(node.right, out); return;
    case 'in': strictIn(node.value, out); return;
    case 'unary': strictIn(node.arg, out); return;
    case 'call':
      if (node.fn.strict) for (const a of node.args) strictIn(a, out);
      else if (node.name === 'between') strictIn(node.args[0]!, out);
      return;
    default: return;
  }
}

/** A boolean field alone or negated, `not exists(field)`, and watchlist or watchmap membership (1 when the conjunct is wholly captured). */
function truthOf(c: Node, plan: IndexPlan): 0 | 1 {
  if (c.kind === 'call' && (c.name === 'watchlist.hit' || c.name === 'inmap')) {
    const name = stringConstant(c.args[0]!);
    if (name === undefined) return 0;
    plan.hits.push({ namespace: c.name === 'inmap' ? 'watchmap' : 'watchlist', name });
    return 1;
  }
  if (c.kind === 'field' && c.type === 'boolean') {
    plan.isTrue.add(c.path);
    return 1;
  }
  if (c.kind !== 'unary' || c.op !== 'not') return 0;
  const arg = c.arg;
  if (arg.kind === 'field' && arg.type === 'boolean') plan.isFalse.add(arg.path);
  else if (arg.kind === 'call' && arg.name === 'exists' && arg.args[0]?.kind === 'field') plan.absent.add(arg.args[0].path);
  else return 0;
  return 1;
}

/** `exists(field)`, which `required` already holds. */
function existsOf(c: Node): 0 | 1 {
  return c.kind === 'call' && c.name === 'exists' && c.args[0]?.kind === 'field' ? 1 : 0;
}

function equalsOf(c: Node, plan: IndexPlan): 0 | 1 {
  let field: Node | undefined;
  let values: (string | undefined)[] = [];
  if (c.kind === 'comparison' && c.op === '==') {
    const fieldLeft = c.left.kind === 'field';
    field = fieldLeft ? c.left : c.right;
    values = [stringConstant(fieldLeft ? c.right : c.left)];
  } else if (c.kind === 'in') {
    field = c.value;
    values = c.list.map(stringConstant);
  }
  if (field?.kind !== 'field' || (field.type !== 'string' && field.type !== 'id')) return 0;
  if (values.length === 0 || values.some((v) => v === undefined)) return 0;
  const named = [...new Set(values as string[])];
  const prev = plan.equals.get(field.path);
  plan.equals.set(field.path, prev ? prev.filter((v) => named.includes(v)) : named);
  return 1;
}

function stringConstant(node: Node): string | undefined {
  const v = constantValue(node);
  return typeof v === 'string' ? v : undefined;
}

function isBand(v: unknown): v is Band {
  return typeof v === 'string' && allBands.includes(v as Band);
}

function coneOf(c: Node, plan: IndexPlan): 0 | 1 {
  if (plan.cone || c.kind !== 'call' || c.name !== 'cone') return 0;
  const [ra, dec, r] = c.args.map(constantValue);
  if (typeof ra !== 'number' || typeof dec !== 'number' || typeof r !== 'number') return 0;
  plan.cone = { ra, dec, radiusArcsec: r };
  return 1;
}

function rangeOf(c: Node, plan: IndexPlan): 0 | 1 {
  let path: string | undefined;
  let interval: Interval | undefined;
  const magnitude = absoluteBound(c);
  if (magnitude) {
    path = magnitude.path;
    interval = { lo: -magnitude.k, hi: magnitude.k };
    if (magnitude.open) interval.loOpen = interval.hiOpen = true;
  } else if (c.kind === 'comparison' && c.op !== '==' && c.op !== '!=') {
    const fieldLeft = c.left.kind === 'field';
    const field = fieldLeft ? c.left : c.right;
    const k = constantValue(fieldLeft ? c.right : c.left);
    if (field.kind !== 'field' || field.type !== 'number' || typeof k !== 'number') return 0;
    const op = fieldLeft ? c.op : mirror(c.op);
    path = field.path;
    interval = op === '<' || op === '<=' ? { lo: -Infinity, hi: k } : { lo: k, hi: Infinity };
    if (op === '<') interval.hiOpen = true;
    if (op === '>') interval.loOpen = true;
  } else if (c.kind === 'call' && c.name === 'between' && c.args[0]!.kind === 'field') {
    const [lo, hi] = c.args.slice(1).map(constantValue);
    if (typeof lo !== 'number' || typeof hi !== 'number') return 0;
    path = c.args[0]!.path;
    interval = { lo, hi };
  }
  if (!path || !interval) return 0;
  const prev = plan.ranges.get(path);
  plan.ranges.set(path, prev ? intersect(prev, interval) : interval);
  return 1;
}

/** `abs(field) < k` or `abs(field) <= k` (either way round): the field within [-k, k]. */
function absoluteBound(c: Node): { path: string; k: number; open: boolean } | undefined {
  if (c.kind !== 'comparison') return undefined;
  const absLeft = c.left.kind === 'call' && c.left.name === 'abs';
  const call = absLeft ? c.left : c.right;
  const op = absLeft ? c.op : mirror(c.op);
  if (call.kind !== 'call' || call.name !== 'abs' || (op !== '<' && op !== '<=')) return undefined;
  const field = call.args[0];
  const k = constantValue(absLeft ? c.right : c.left);
  // abs() of an infinite value is missing, so an infinite bound is left to evaluation.
  if (field?.kind !== 'field' || field.type !== 'number' || typeof k !== 'number' || !Number.isFinite(k)) return undefined;
  return { path: field.path, k, open: op === '<' };
}

/** Both intervals at once: the larger lower and the smaller upper bound, open if either is open there. */
function intersect(a: Interval, b: Interval): Interval {
  const out: Interval = { lo: Math.max(a.lo, b.lo), hi: Math.min(a.hi, b.hi) };
  const loOpen = (a.lo === out.lo && a.loOpen) || (b.lo === out.lo && b.loOpen);
  const hiOpen = (a.hi === out.hi && a.hiOpen) || (b.hi === out.hi && b.hiOpen);
  if (loOpen) out.loOpen = true;
  if (hiOpen) out.hiOpen = true;
  return out;
}
