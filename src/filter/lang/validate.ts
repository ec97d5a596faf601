import type jsep from 'jsep';
import { concretePaths, lookupField, type FieldDef } from '../../alert/catalogue.js';
import type { ErrorCode } from '../../errors/index.js';
import './builtins.js';
import { diagnostic } from './diagnostic.js';
import { isForbiddenName } from './forbidden.js';
import { functionNames, lookupFunction } from './functions.js';
import { resolveLimits, type FilterLimits } from './limits.js';
import { parseFilterText, type RawNode } from './parse.js';
import { analyseReach } from './reach.js';
import { childrenOfGroup, closest, didYouMean } from './suggest.js';
import { childNodes } from './tree.js';
import type { ArithmeticOp, ComparisonOp, Diagnostic, FieldNode, Node, ValidationResult, ValueType } from './types.js';

export interface ValidateOptions {
  limits?: Partial<FilterLimits>;
}

/**
 * Checks a filter and builds its typed tree: syntax, limits, forbidden names, fields against the
 * catalogue (with suggestions), functions against the whitelist, operand and argument types, a
 * boolean result, and which surveys it can ever match. All errors are reported, not just the first.
 */
export function validateFilter(text: string, options: ValidateOptions = {}): ValidationResult {
  const limits = resolveLimits(options.limits);
  const parsed = parseFilterText(text, limits);
  if (!parsed.ast) return { ok: false, errors: parsed.errors, warnings: [], surveys: [], fields: [] };
  const checker = new Checker(text);
  const root = checker.convert(parsed.ast);
  if (root.type !== 'boolean' && root.type !== 'any') {
    checker.error('FILTER_NOT_BOOLEAN', `the filter must be a condition (true or false), but this is ${a(root.type)}`, root, 'compare it, e.g. `mag < 19`');
  }
  const depth = depthOf(root);
  if (depth > limits.maxDepth) checker.error('FILTER_TOO_DEEP', `the filter nests ${depth} operators deep; at most ${limits.maxDepth} are allowed`, root);
  const fields = [...checker.fields].sort();
  if (checker.errors.length > 0) return { ok: false, errors: checker.errors, warnings: [], surveys: [], fields };
  const reach = analyseReach(root, text);
  const warnings = reach.dead.map((d) => diagnostic(text, 'FILTER_NEVER_MATCHES', d.message, d.node.start, d.node.end));
  return { ok: true, errors: [], warnings, surveys: reach.surveys, fields, ast: root };
}

/** Nesting depth of the typed tree; a chain of `and` (or `or`) counts as one level. */
export function depthOf(node: Node): number {
  const kids = childNodes(node);
  return 1 + (kids.length === 0 ? 0 : Math.max(...kids.map(depthOf)));
}

const LOGICAL: Record<string, 'and' | 'or'> = { and: 'and', '&&': 'and', or: 'or', '||': 'or' };
const COMPARISON = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);
const ARITHMETIC = new Set<string>(['+', '-', '*', '/', '%']);
const OPERATOR_HINTS: Record<string, string> = {
  '===': 'use ==', '!==': 'use !=', '&': 'use and', '|': 'use or', '^': 'there is no exclusive or; write (a or b) and not (a and b)',
  '??': 'use exists(x) to test for a value', '**': 'there is no power operator', '<<': 'there are no bit operators', '>>': 'there are no bit operators', '>>>': 'there are no bit operators',
};
const KEYWORDS = new Set(['and', 'or', 'not', 'in']);

/** `a number`, `an id`, `an array`. */
function a(type: ValueType): string {
  return /^[aeio]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeOfField(def: FieldDef): ValueType {
  return def.type === 'integer' ? 'number' : def.type;
}

function equalityCompatible(a: ValueType, b: ValueType): boolean {
  if (a === 'any' || b === 'any') return true;
  const stringy = (t: ValueType) => t === 'string' || t === 'id';
  if (stringy(a) && stringy(b)) return true;
  return a === b && (a === 'number' || a === 'boolean');
}

function accepts(param: ValueType, actual: ValueType): boolean {
  if (param === 'any' || actual === 'any') return true;
  if (param === 'string') return actual === 'string' || actual === 'id';
  return param === actual;
}

/**
 * jsep binds every prefix operator to the next token, so `not mag < 19` would parse as
 * `(not mag) < 19`. The word `not` has SQL's precedence instead (below comparisons and
 * arithmetic, above `and`): `(not X) op Y` is rewritten to `not (X op Y)`. `!` keeps its tight
 * JavaScript binding.
 */
function hoistNot(raw: RawNode): RawNode | undefined {
  let left = raw.left as RawNode;
  if (left.type === 'BinaryExpression' && !LOGICAL[left.operator as string] && !left.parenthesised) left = hoistNot(left) ?? left;
  if (left.type !== 'UnaryExpression' || left.operator !== 'not' || left.parenthesised) return undefined;
  const inner = left.argument as RawNode;
  const operation = { ...raw, left: inner, start: inner.start, parenthesised: false } as RawNode;
  return { ...left, argument: operation, start: left.start, end: raw.end } as RawNode;
}

class Checker {
  readonly errors: Diagnostic[] = [];
  readonly fields = new Set<string>();
  private paths: string[] | undefined;

  constructor(private readonly text: string) {}

  error(code: ErrorCode, message: string, at: { start: number; end: number }, suggestion?: string): Node {
    this.errors.push(diagnostic(this.text, code, message, at.start, at.end, suggestion));
    return { kind: 'literal', value: false, type: 'any', start: at.start, end: at.end };
  }

  convert(raw: RawNode): Node {
    switch (raw.type) {
      case 'Literal': return this.literal(raw);
      case 'Identifier': return this.identifier(raw);
      case 'MemberExpression': return this.member(raw);
      case 'CallExpression': return this.call(raw);
      case 'UnaryExpression': return this.unary(raw);
      case 'BinaryExpression': return this.binary(raw);
      case 'ArrayExpression': return this.error('FILTER_TYPE', 'a list [...] is only allowed after `in`', raw);
      case 'ThisExpression': return this.error('FILTER_FORBIDDEN', '`this` is not part of the filter language', raw);
      case 'Compound': return this.compound(raw);
      case 'SequenceExpression': return this.error('FILTER_PARSE', 'a comma list is not an expression; combine conditions with and / or', raw);
      case 'ConditionalExpression': return this.error('FILTER_PARSE', 'the conditional operator ?: is not part of the filter language', raw, 'write (c and a) or (not c and b)');
      default: return this.error('FILTER_PARSE', `unsupported syntax (${String(raw.type)})`, raw);
    }
  }

  private sub(node: unknown): RawNode {
    return node as RawNode;
  }

  private compound(raw: RawNode): Node {
    const body = (raw.body as RawNode[]) ?? [];
    const second = body[1] ?? raw;
    const keyword = body.find((n) => n.type === 'Identifier' && KEYWORDS.has(n.name as string));
    if (keyword) return this.error('FILTER_PARSE', `\`${keyword.name as string}\` needs an expression on both sides`, keyword);
    return this.error('FILTER_PARSE', 'expected one expression; combine conditions with and / or', second);
  }

  private literal(raw: RawNode): Node {
    const value = raw.value;
    if (value === null) return this.error('FILTER_TYPE', '`null` is not a value in filters: comparisons with missing values are unknown', raw, 'use exists(x) or not exists(x)');
    if (typeof value === 'number' && !Number.isFinite(value)) return this.error('FILTER_TYPE', 'this number is out of range', raw);
    if (typeof value === 'number') return { kind: 'literal', value, type: 'number', start: raw.start, end: raw.end };
    if (typeof value === 'string') return { kind: 'literal', value, type: 'string', start: raw.start, end: raw.end };
    if (typeof value === 'boolean') return { kind: 'literal', value, type: 'boolean', start: raw.start, end: raw.end };
    return this.error('FILTER_PARSE', 'unsupported literal', raw);
  }

  private identifier(raw: RawNode): Node {
    const name = raw.name as string;
    if (KEYWORDS.has(name)) return this.error('FILTER_PARSE', `\`${name}\` needs an expression on both sides`, raw);
    return this.field([name], raw);
  }

  /** Dotted paths only: `a.b.c`; `a["b"]`, `f().x`, `(a).b` and `?.` are refused. */
  private member(raw: RawNode): Node {
    const names: string[] = [];
    let node: RawNode = raw;
    while (node.type === 'MemberExpression') {
      if (node.computed) return this.error('FILTER_FORBIDDEN', 'computed member access a[...] is not allowed; fields are written as dotted paths', raw);
      if (node.optional) return this.error('FILTER_PARSE', 'optional chaining ?. is not needed: a missing value makes a comparison unknown', raw);
      names.unshift((this.sub(node.property).name as string) ?? '');
      node = this.sub(node.object);
    }
    // The root of a dotted path is part of the member token; a span of its own means `(a).b`.
    if (node.type !== 'Identifier' || node.start !== undefined) return this.error('FILTER_FORBIDDEN', 'member access is only allowed on field paths', raw);
    names.unshift(node.name as string);
    return this.field(names, raw);
  }

  private field(names: string[], at: RawNode): Node {
    const forbidden = names.find(isForbiddenName);
    if (forbidden) return this.error('FILTER_FORBIDDEN', `\`${forbidden}\` is not allowed in a filter`, at);
    const path = names.join('.');
    const def = lookupField(path);
    if (!def) return this.unknownField(path, at);
    this.fields.add(path);
    const node: FieldNode = { kind: 'field', path, keys: names, def, type: typeOfField(def), start: at.start, end: at.end };
    return node;
  }

  private unknownField(path: string, at: RawNode): Node {
    this.paths ??= concretePaths();
    const group = childrenOfGroup(path, this.paths);
    if (group.length > 0) {
      return this.error('FILTER_UNKNOWN_FIELD', `\`${path}\` is a group of fields, not a field`, at, `choose one: ${group.map((g) => `\`${g}\``).join(', ')}`);
    }
    const fn = lookupFunction(path);
    const hint = fn ? `${path} is a function: write ${fn.signature}` : didYouMean(closest(path, this.paths));
    return this.error('FILTER_UNKNOWN_FIELD', `unknown field \`${path}\``, at, hint);
  }

  private calleeName(callee: RawNode): string | undefined {
    const names: string[] = [];
    let node = callee;
    while (node.type === 'MemberExpression' && !node.computed) {
      names.unshift(this.sub(node.property).name as string);
      node = this.sub(node.object);
    }
    if (node.type !== 'Identifier') return undefined;
    names.unshift(node.name as string);
    return names.join('.');
  }

  private call(raw: RawNode): Node {
    const callee = this.sub(raw.callee);
    const name = this.calleeName(callee);
    const nameSpan = { start: raw.start, end: name === undefined ? raw.end : raw.start + this.text.slice(raw.start, raw.end).indexOf('(') };
    if (name === undefined) return this.error('FILTER_FORBIDDEN', 'only whitelisted functions can be called', raw);
    const forbidden = name.split('.').find(isForbiddenName);
    if (forbidden) return this.error('FILTER_FORBIDDEN', `\`${forbidden}\` is not allowed in a filter`, nameSpan);
    const fn = lookupFunction(name);
    if (!fn) return this.error('FILTER_UNKNOWN_FUNCTION', `unknown function \`${name}\``, nameSpan, didYouMean(closest(name, functionNames())));
    const args = (raw.arguments as RawNode[]).map((a) => this.convert(a));
    const max = fn.variadic ? Infinity : fn.params.length;
    if (args.length < fn.minArgs || args.length > max) {
      const want = fn.variadic ? `at least ${fn.minArgs}` : fn.minArgs === max ? `${max}` : `${fn.minArgs} to ${max}`;
      return this.error('FILTER_ARITY', `${name} takes ${want} argument${want === '1' ? '' : 's'}, not ${args.length}: ${fn.signature}`, raw);
    }
    let failed = false;
    args.forEach((arg, i) => {
      const param = fn.params[Math.min(i, fn.params.length - 1)]!;
      if (!accepts(param, arg.type)) {
        this.error('FILTER_TYPE', `argument ${i + 1} of ${name} must be ${a(param)}, not ${a(arg.type)}`, arg);
        failed = true;
      } else if (fn.constantArgs?.includes(i) && arg.kind !== 'literal') {
        this.error('FILTER_TYPE', `argument ${i + 1} of ${name} must be a constant`, arg);
        failed = true;
      }
    });
    const problem = failed ? undefined : fn.check?.(args);
    if (problem) return this.error('FILTER_TYPE', `${name}: ${problem}`, raw);
    return { kind: 'call', name, fn, args, type: failed ? 'any' : fn.returns, start: raw.start, end: raw.end };
  }

  private unary(raw: RawNode): Node {
    const op = raw.operator as string;
    const arg = this.convert(this.sub(raw.argument));
    if (op === '!' || op === 'not') {
      if (!accepts('boolean', arg.type)) return this.error('FILTER_TYPE', `\`${op}\` needs a condition, not ${a(arg.type)}`, arg);
      return { kind: 'unary', op: 'not', arg, type: 'boolean', start: raw.start, end: raw.end };
    }
    if (op === '-' || op === '+') {
      if (!accepts('number', arg.type)) return this.error('FILTER_TYPE', `\`${op}\` needs a number, not ${a(arg.type)}`, arg);
      return { kind: 'unary', op: op === '-' ? 'neg' : 'pos', arg, type: 'number', start: raw.start, end: raw.end };
    }
    return this.error('FILTER_PARSE', `the operator ${op} is not part of the filter language`, raw);
  }

  private binary(raw: RawNode): Node {
    const op = raw.operator as string;
    if (LOGICAL[op]) return this.logical(raw, LOGICAL[op]);
    const hoisted = hoistNot(raw);
    if (hoisted) return this.convert(hoisted);
    if (op === 'in') return this.inList(raw);
    const left = this.convert(this.sub(raw.left));
    const right = this.convert(this.sub(raw.right));
    const span = { start: raw.start, end: raw.end };
    if (COMPARISON.has(op)) return this.comparison(op as ComparisonOp, left, right, span);
    if (ARITHMETIC.has(op)) {
      for (const side of [left, right]) {
        if (!accepts('number', side.type)) return this.error('FILTER_TYPE', `\`${op}\` needs numbers, not ${a(side.type)}`, side);
      }
      return { kind: 'arithmetic', op: op as ArithmeticOp, left, right, type: 'number', ...span };
    }
    return this.error('FILTER_PARSE', `the operator ${op} is not part of the filter language`, this.operatorSpan(raw, op), OPERATOR_HINTS[op]);
  }

  private operatorSpan(raw: RawNode, op: string): { start: number; end: number } {
    const left = this.sub(raw.left);
    const at = this.text.indexOf(op, left.end);
    return at >= 0 ? { start: at, end: at + op.length } : raw;
  }

  private logical(raw: RawNode, op: 'and' | 'or'): Node {
    const operands: Node[] = [];
    const pending: RawNode[] = [this.sub(raw.left), this.sub(raw.right)];
    // Flatten same-operator chains so a long list of cuts is one level deep.
    while (pending.length > 0) {
      const next = pending.shift()!;
      if (next.type === 'BinaryExpression' && LOGICAL[next.operator as string] === op && !this.parenthesised(next)) {
        pending.unshift(this.sub(next.left), this.sub(next.right));
        continue;
      }
      const node = this.convert(next);
      if (!accepts('boolean', node.type)) this.error('FILTER_TYPE', `\`${op}\` needs conditions on both sides, but this is ${a(node.type)}`, node, 'compare it, e.g. `mag < 19`');
      operands.push(node);
    }
    return { kind: 'logical', op, operands, type: 'boolean', start: raw.start, end: raw.end };
  }

  /** Keeps `(a and b) and c` as written for explain; semantics are the same either way. */
  private parenthesised(node: RawNode): boolean {
    return node.parenthesised === true;
  }

  private comparison(op: ComparisonOp, left: Node, right: Node, span: { start: number; end: number }): Node {
    for (const side of [left, right]) {
      if (side.type === 'array' || side.type === 'object') return this.error('FILTER_TYPE', `${a(side.type)} field can only be tested with exists()`, side);
    }
    const ordered = op !== '==' && op !== '!=';
    if (!equalityCompatible(left.type, right.type)) {
      const hint = left.type === 'id' || right.type === 'id' ? 'ids compare with strings: write the id in quotes' : undefined;
      return this.error('FILTER_TYPE', `cannot compare ${a(left.type)} with ${a(right.type)}`, span, hint);
    }
    if (ordered && (left.type === 'id' || right.type === 'id')) return this.error('FILTER_TYPE', `ids have no order; compare them with == or !=`, span);
    if (ordered && (left.type === 'boolean' || right.type === 'boolean')) return this.error('FILTER_TYPE', `conditions have no order; compare them with == or !=`, span);
    return { kind: 'comparison', op, left, right, type: 'boolean', ...span };
  }

  private inList(raw: RawNode): Node {
    const value = this.convert(this.sub(raw.left));
    const listRaw = this.sub(raw.right);
    if (listRaw.type !== 'ArrayExpression') return this.error('FILTER_TYPE', '`in` needs a list [...] on its right', listRaw);
    const elements = listRaw.elements as (RawNode | null)[];
    if (elements.some((e) => e === null)) return this.error('FILTER_PARSE', 'empty element in the list', listRaw);
    if (value.type === 'array' || value.type === 'object') return this.error('FILTER_TYPE', `${a(value.type)} field can only be tested with exists()`, value);
    const list = (elements as RawNode[]).map((e) => this.convert(e));
    for (const el of list) {
      if (!equalityCompatible(value.type, el.type)) return this.error('FILTER_TYPE', `the list holds ${a(el.type)}, which cannot equal ${a(value.type)}`, el);
    }
    return { kind: 'in', value, list, type: 'boolean', start: raw.start, end: raw.end };
  }
}
