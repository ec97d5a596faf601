import { surveys as allSurveys, type Survey } from '../../alert/types.js';
import type { Node } from './types.js';

/**
 * Which surveys a filter can match. A survey-specific field (`ztf.*`, `lsst.*`) is missing on the
 * other survey's alerts, so any comparison with it is unknown there; `exists(field)` is false there.
 * For every condition we track where it can be TRUE and where it can be FALSE; `and`/`or`/`not`
 * combine them, and `survey == "ztf"` narrows directly. A conjunction that can be true nowhere,
 * although each part can, is reported: it can never match.
 */
type Set3 = ReadonlySet<Survey>;
interface Reach {
  t: Set3;
  f: Set3;
}
export interface ReachResult {
  surveys: Survey[];
  dead: { node: Node; message: string }[];
}

const ALL: Set3 = new Set(allSurveys);
const NONE: Set3 = new Set();
const inter = (a: Set3, b: Set3): Set3 => new Set([...a].filter((s) => b.has(s)));
const union = (a: Set3, b: Set3): Set3 => new Set([...a, ...b]);
const minus = (a: Set3, b: Set3): Set3 => new Set([...a].filter((s) => !b.has(s)));
const names = (s: Set3): string => (s.size === 0 ? 'no survey' : [...s].sort().join(' and '));

export function analyseReach(root: Node, text: string): ReachResult {
  const dead: ReachResult['dead'] = [];
  const r = condition(root, dead, text);
  if (r.t.size === 0 && !dead.some((d) => d.node === root)) {
    dead.push({ node: root, message: 'this filter can never match: the fields it needs never occur together on one survey\'s alerts' });
  }
  return { surveys: allSurveys.filter((s) => r.t.has(s)), dead };
}

/** Surveys on which a value can be present. */
export function availability(node: Node): Set3 {
  switch (node.kind) {
    case 'literal': return ALL;
    case 'field': return new Set(node.def.surveys);
    case 'array': return ALL;
    case 'unary': return node.op === 'not' ? ALL : availability(node.arg);
    case 'arithmetic': return inter(availability(node.left), availability(node.right));
    case 'call': return node.fn.strict ? node.args.map(availability).reduce(inter, ALL) : ALL;
    default: return ALL;
  }
}

function condition(node: Node, dead: ReachResult['dead'], text: string): Reach {
  switch (node.kind) {
    case 'logical': return logical(node, dead, text);
    case 'unary': {
      if (node.op !== 'not') return { t: NONE, f: NONE };
      const r = condition(node.arg, dead, text);
      return { t: r.f, f: r.t };
    }
    case 'literal': return node.value === true ? { t: ALL, f: NONE } : { t: NONE, f: ALL };
    case 'comparison': return surveyTest(node) ?? both(inter(availability(node.left), availability(node.right)));
    case 'in': return surveyTest(node) ?? both(availability(node.value));
    case 'call':
      if (node.name === 'exists') return { t: availability(node.args[0]!), f: ALL };
      if (node.name === 'between') return both(availability(node.args[0]!));
      return both(availability(node));
    case 'field': return both(availability(node));
    default: return both(ALL);
  }
}

const both = (s: Set3): Reach => ({ t: s, f: s });

function logical(node: Node & { kind: 'logical' }, dead: ReachResult['dead'], text: string): Reach {
  const parts = node.operands.map((o) => condition(o, dead, text));
  if (node.op === 'or') return { t: parts.map((p) => p.t).reduce(union, NONE), f: parts.map((p) => p.f).reduce(inter, ALL) };
  const t = parts.map((p) => p.t).reduce(inter, ALL);
  if (t.size === 0 && parts.every((p) => p.t.size > 0)) {
    const needs = node.operands.map((o, i) => ({ o, t: parts[i]!.t })).filter((p) => p.t.size < ALL.size);
    const detail = needs.map((p) => `\`${shortText(text, p.o)}\` only on ${names(p.t)}`).join(', ');
    dead.push({ node, message: `this conjunction can never be true: ${detail}` });
  }
  return { t, f: parts.map((p) => p.f).reduce(union, NONE) };
}

function shortText(text: string, node: Node): string {
  const source = text.slice(node.start, node.end);
  return source.length > 40 ? `${source.slice(0, 39)}…` : source;
}

/** `survey == "x"`, `survey != "x"`, `survey in [...]` name the surveys directly. */
function surveyTest(node: Node): Reach | undefined {
  if (node.kind === 'comparison' && (node.op === '==' || node.op === '!=')) {
    const [field, lit] = node.left.kind === 'field' ? [node.left, node.right] : [node.right, node.left];
    if (field.kind !== 'field' || field.path !== 'survey' || lit.kind !== 'literal') return undefined;
    const named: Set3 = new Set(allSurveys.filter((s) => s === lit.value));
    return node.op === '==' ? { t: named, f: minus(ALL, named) } : { t: minus(ALL, named), f: named };
  }
  if (node.kind === 'in' && node.value.kind === 'field' && node.value.path === 'survey' && node.list.every((l) => l.kind === 'literal')) {
    const named: Set3 = new Set(allSurveys.filter((s) => node.list.some((l) => l.kind === 'literal' && l.value === s)));
    return { t: named, f: minus(ALL, named) };
  }
  return undefined;
}
