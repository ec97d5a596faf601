import type { Alert } from '../../alert/types.js';
import { NightjarError } from '../../errors/index.js';
import { makeAccessor } from './accessor.js';
import { and3, arithmetic, compare, finite, inList, not3, or3, truth } from './semantics.js';
import type { CallNode, ComparisonNode, EvalContext, Evaluator, LogicalNode, Node, Value } from './types.js';
import { childNodes } from './tree.js';

/**
 * Turns a typed tree into closures (no code generation, no eval): constant sub-expressions are
 * folded once, field reads are precompiled key arrays, and the common `field op constant`
 * comparison gets a dedicated closure.
 */
const NO_ALERT = {} as Alert;
const NO_CTX: EvalContext = {};

export function compileNode(node: Node): Evaluator {
  const direct = build(node);
  if (!isConstant(node)) return direct;
  const value = direct(NO_ALERT, NO_CTX);
  return () => value;
}

/** True when the node reads nothing from the alert or context. */
export function isConstant(node: Node): boolean {
  switch (node.kind) {
    case 'literal': return true;
    case 'field': return false;
    case 'array': return node.elements.every(isConstant);
    case 'unary': return isConstant(node.arg);
    case 'arithmetic': case 'comparison': return isConstant(node.left) && isConstant(node.right);
    case 'in': return isConstant(node.value) && node.list.every(isConstant);
    case 'logical': return node.operands.every(isConstant);
    case 'call': return node.fn.pure && node.args.every(isConstant);
  }
}

/** The value of a constant node (undefined when it is not constant). */
export function constantValue(node: Node): Value | undefined {
  return isConstant(node) ? build(node)(NO_ALERT, NO_CTX) : undefined;
}

function build(node: Node): Evaluator {
  switch (node.kind) {
    case 'literal': {
      const v = node.value;
      return () => v;
    }
    case 'array': return () => null;
    case 'field': return makeAccessor(node.keys, node.def.type);
    case 'unary': return unary(node.op, compileNode(node.arg));
    case 'arithmetic': {
      const l = compileNode(node.left);
      const r = compileNode(node.right);
      const op = node.op;
      return (a, c) => arithmetic(op, l(a, c), r(a, c));
    }
    case 'comparison': return comparison(node);
    case 'in': {
      const x = compileNode(node.value);
      const items = node.list.map(compileNode);
      if (node.list.every(isConstant)) {
        const values = items.map((f) => f(NO_ALERT, NO_CTX));
        const set = new Set(values.filter((v) => v !== null));
        const sawMissing = values.includes(null);
        return (a, c) => {
          const v = x(a, c);
          if (v === null) return null;
          return set.has(v) ? true : sawMissing ? null : false;
        };
      }
      return (a, c) => inList(x(a, c), items.map((f) => f(a, c)));
    }
    case 'logical': return logical(node);
    case 'call': return call(node);
  }
}

function unary(op: 'neg' | 'pos' | 'not', arg: Evaluator): Evaluator {
  if (op === 'not') return (a, c) => not3(truth(arg(a, c)));
  if (op === 'pos') {
    return (a, c) => {
      const v = arg(a, c);
      return typeof v === 'number' ? v : null;
    };
  }
  return (a, c) => {
    const v = arg(a, c);
    return typeof v === 'number' ? -v : null;
  };
}

function comparison(node: ComparisonNode): Evaluator {
  const op = node.op;
  const fieldLeft = node.left.kind === 'field' && isConstant(node.right);
  const fieldRight = node.right.kind === 'field' && isConstant(node.left);
  if (fieldLeft || fieldRight) {
    // The accessor returns a value of the field's own type or null, and validation made the
    // constant the same type, so a plain JS comparison is the language's comparison.
    const get = compileNode(fieldLeft ? node.left : node.right);
    const k = compileNode(fieldLeft ? node.right : node.left)(NO_ALERT, NO_CTX);
    if (k === null) return () => null;
    const flipped = fieldLeft ? op : mirror(op);
    return fieldVersusConstant(get, flipped, k);
  }
  const l = compileNode(node.left);
  const r = compileNode(node.right);
  return (a, c) => compare(op, l(a, c), r(a, c));
}

/** The operator with its operands swapped (`a < b` is `b > a`). */
export function mirror(op: ComparisonNode['op']): ComparisonNode['op'] {
  return ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==', '!=': '!=' } as const)[op];
}

function fieldVersusConstant(get: Evaluator, op: ComparisonNode['op'], k: number | string | boolean): Evaluator {
  switch (op) {
    case '<': return (a, c) => { const v = get(a, c); return v === null ? null : v < k; };
    case '<=': return (a, c) => { const v = get(a, c); return v === null ? null : v <= k; };
    case '>': return (a, c) => { const v = get(a, c); return v === null ? null : v > k; };
    case '>=': return (a, c) => { const v = get(a, c); return v === null ? null : v >= k; };
    case '==': return (a, c) => { const v = get(a, c); return v === null ? null : v === k; };
    case '!=': return (a, c) => { const v = get(a, c); return v === null ? null : v !== k; };
  }
}

function logical(node: LogicalNode): Evaluator {
  const isAnd = node.op === 'and';
  const absorbing = !isAnd; // false absorbs `and`, true absorbs `or`
  const parts: Evaluator[] = [];
  // and/or are commutative in three-valued logic and nothing has side effects, so the cheapest
  // operands run first and the expensive ones (light-curve scans, trigonometry) often never do.
  const ordered = [...node.operands].sort((x, y) => costOf(x) - costOf(y));
  for (const operand of ordered) {
    const f = compileNode(operand);
    if (isConstant(operand)) {
      const v = truth(f(NO_ALERT, NO_CTX));
      if (v === absorbing) return () => absorbing;
      if (v === !absorbing) continue; // neutral element: true in `and`, false in `or`
    }
    parts.push(f);
  }
  if (parts.length === 0) return () => !absorbing;
  if (parts.length === 1) {
    const only = parts[0]!;
    return (a, c) => truth(only(a, c));
  }
  if (parts.length === 2) {
    const [p, q] = parts as [Evaluator, Evaluator];
    return isAnd ? (a, c) => and3(truth(p(a, c)), truth(q(a, c))) : (a, c) => or3(truth(p(a, c)), truth(q(a, c)));
  }
  return (a, c) => {
    let unknown = false;
    for (const f of parts) {
      const v = f(a, c);
      if (v === absorbing) return absorbing;
      if (v !== !absorbing) unknown = true;
    }
    return unknown ? null : !absorbing;
  };
}

/** A rough evaluation cost: one per node, more for function calls. */
function costOf(node: Node): number {
  const own = node.kind === 'call' ? (node.fn.pure ? 4 : 16) : 1;
  return own + childNodes(node).reduce((sum, child) => sum + costOf(child), 0);
}

function call(node: CallNode): Evaluator {
  const fn = node.fn;
  const args = node.args.map(compileNode);
  const normalise = (v: Value): Value => (typeof v === 'number' ? finite(v) : v === undefined ? null : v);
  if (fn.strict) {
    return (a, c) => {
      const values: Value[] = [];
      for (const arg of args) {
        const v = arg(a, c);
        if (v === null) return null;
        values.push(v);
      }
      return normalise(fn.call(values, a, c));
    };
  }
  return (a, c) => normalise(fn.call(args.map((arg) => arg(a, c)), a, c));
}

/** Throws the first validation error as a NightjarError carrying every diagnostic. */
export function rejectionOf(errors: readonly { code: NightjarError['code']; message: string; line: number; column: number }[]): NightjarError {
  const first = errors[0]!;
  return new NightjarError(first.code, `${first.message} (line ${first.line}, column ${first.column})`, { details: { errors } });
}
