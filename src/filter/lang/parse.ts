import jsep from 'jsep';
import { diagnostic } from './diagnostic.js';
import type { FilterLimits } from './limits.js';
import type { Diagnostic } from './types.js';

/**
 * Parsing with jsep, configured once for the filter language (jsep's settings are global to the
 * process; nothing else in Nightjar uses jsep):
 * - `and` (precedence of `&&`), `or` (of `||`), prefix `not`, and `in` at comparison precedence;
 *   `&&`, `||` and `!` stay as synonyms.
 * - jsep still *parses* what the language does not have (`?:`, `===`, bitwise operators, `this`,
 *   `a["x"]`, `null`); the validator then rejects each with a positioned, named error rather
 *   than an opaque parse failure.
 * - A small plugin records `start`/`end` on every node jsep builds through a token, and the
 *   remaining nodes (binary, conditional) get the span of their children.
 */
export type RawNode = jsep.Expression & { start: number; end: number; parenthesised?: boolean };

jsep.addBinaryOp('or', 1);
jsep.addBinaryOp('and', 2);
jsep.addBinaryOp('in', 7);
jsep.addUnaryOp('not');

interface Scope extends jsep.HookScope {
  nightjarStarts?: number[];
}

const DIGIT_0 = 48;
const DIGIT_9 = 57;
const PERIOD = 46;

jsep.plugins.register({
  name: 'nightjar-positions',
  init() {
    jsep.hooks.add('gobble-token', function (this: Scope, env) {
      (this.nightjarStarts ??= []).push(this.index);
      // jsep returns numeric literals without running `after-token`; gobbling them here keeps
      // every pushed start matched by exactly one pop.
      const c = this.code;
      if ((c >= DIGIT_0 && c <= DIGIT_9) || c === PERIOD) env.node = this.gobbleNumericLiteral();
    });
    jsep.hooks.add('after-token', function (this: Scope, env) {
      const start = this.nightjarStarts?.pop();
      const node = env.node as Partial<RawNode> | undefined;
      if (!node || start === undefined) return;
      // A token that starts with `(` is a parenthesised group: kept as written (flattening, `not`).
      if (this.expr[start] === '(') node.parenthesised = true;
      if (node.start !== undefined) return;
      node.start = start;
      node.end = trimmedEnd(this.expr, start, this.index);
    });
  },
});

function trimmedEnd(text: string, start: number, index: number): number {
  let end = index;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return end;
}

export interface ParseOutcome {
  ast?: RawNode;
  errors: Diagnostic[];
}

/** Parses filter text into a positioned jsep tree, enforcing the length, nesting and size limits. */
export function parseFilterText(text: string, limits: FilterLimits): ParseOutcome {
  if (typeof text !== 'string') return fail('', 'FILTER_PARSE', 'the filter must be a string', 0, 0);
  if (text.length > limits.maxLength) {
    return fail(text.slice(0, 200), 'FILTER_TOO_LONG', `the filter is ${text.length} characters long; at most ${limits.maxLength} are allowed`, 0, 0);
  }
  if (text.trim() === '') return fail(text, 'FILTER_PARSE', 'the filter is empty', 0, text.length);
  const deep = firstTooDeep(text, limits.maxDepth);
  if (deep !== undefined) {
    return fail(text, 'FILTER_TOO_DEEP', `the filter nests more than ${limits.maxDepth} levels deep here`, deep, deep + 1);
  }
  let ast: RawNode;
  try {
    ast = jsep(text) as RawNode;
  } catch (err) {
    return fail(text, ...jsepFailure(text, err));
  }
  const longArray = firstLongArray(ast, limits.maxArrayLength);
  if (longArray) {
    const n = (longArray.elements as unknown[]).length;
    return fail(text, 'FILTER_ARRAY_TOO_LONG', `this array has ${n} elements; at most ${limits.maxArrayLength} are allowed`, longArray.start, longArray.end);
  }
  if (countNodes(ast, limits.maxNodes) > limits.maxNodes) {
    return fail(text, 'FILTER_TOO_LARGE', `the filter has more than ${limits.maxNodes} syntax nodes (array elements that are plain values not counted)`, 0, text.length);
  }
  fillSpans(ast);
  return { ast, errors: [] };
}

function fail(text: string, ...d: Parameters<typeof diagnostic> extends [string, ...infer R] ? R : never): ParseOutcome {
  return { errors: [diagnostic(text, ...d)] };
}

type Failure = [code: 'FILTER_PARSE' | 'FILTER_TOO_DEEP', message: string, start: number, end: number, suggestion?: string];

function jsepFailure(text: string, err: unknown): Failure {
  if (err instanceof RangeError) return ['FILTER_TOO_DEEP', 'the filter nests too deeply to parse', 0, text.length];
  const e = err as { index?: unknown; description?: unknown; message?: unknown };
  const index = typeof e.index === 'number' ? Math.min(e.index, text.length) : 0;
  const description = typeof e.description === 'string' ? e.description : String(e.message ?? err);
  const suggestion = text[index] === '=' && text[index + 1] !== '=' ? 'use == to compare' : undefined;
  return ['FILTER_PARSE', `${description} at line ${lineOf(text, index)}`, index, index + 1, suggestion];
}

function lineOf(text: string, index: number): string {
  const line = text.slice(0, index).split('\n').length;
  const column = index - (text.lastIndexOf('\n', index - 1) + 1) + 1;
  return `${line}, column ${column}`;
}

/**
 * The deepest point of bracket nesting plus any run of prefix operators (`!`, `-`, `+`, `~`,
 * `not`), measured on the raw text so jsep's recursive descent never sees input deep enough to
 * exhaust the stack. Returns the offset where the limit is first exceeded.
 */
export function firstTooDeep(text: string, maxDepth: number): number | undefined {
  let brackets = 0;
  let prefixRun = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '"' || ch === "'") {
      i = skipString(text, i);
      prefixRun = 0;
      continue;
    }
    if (ch === '(' || ch === '[') brackets++;
    else if (ch === ')' || ch === ']') brackets = Math.max(0, brackets - 1);
    else if (ch === '!' || ch === '-' || ch === '+' || ch === '~') prefixRun++;
    else if (isNotWord(text, i)) {
      prefixRun++;
      i += 2;
    } else if (!/\s/.test(ch)) prefixRun = 0;
    if (brackets + prefixRun > maxDepth) return i;
  }
  return undefined;
}

function isNotWord(text: string, i: number): boolean {
  return text.startsWith('not', i) && !/[\w$]/.test(text[i - 1] ?? ' ') && !/[\w$]/.test(text[i + 3] ?? ' ');
}

function skipString(text: string, open: number): number {
  const quote = text[open];
  for (let i = open + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/**
 * Counts nodes without recursion, stopping early once past the limit. Literal elements of an
 * array are data, bounded by the array limit, so `objectId in [...]` with many ids stays legal.
 */
function countNodes(root: jsep.Expression, limit: number): number {
  const stack: unknown[] = [root];
  let count = 0;
  while (stack.length > 0 && count <= limit) {
    const node = stack.pop();
    if (!isNode(node)) continue;
    count++;
    const dataElements = node.type === 'ArrayExpression';
    for (const child of childrenOf(node)) if (!(dataElements && child.type === 'Literal')) stack.push(child);
  }
  return count;
}

function firstLongArray(root: jsep.Expression, limit: number): RawNode | undefined {
  const stack: jsep.Expression[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'ArrayExpression' && Array.isArray(node.elements) && node.elements.length > limit) return node as RawNode;
    stack.push(...childrenOf(node));
  }
  return undefined;
}

export function isNode(v: unknown): v is jsep.Expression {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

/** The child nodes of any jsep node, whatever its type (array holes are skipped). */
export function childrenOf(node: jsep.Expression): jsep.Expression[] {
  const out: jsep.Expression[] = [];
  for (const key of ['left', 'right', 'argument', 'object', 'property', 'callee', 'test', 'consequent', 'alternate']) {
    const child = (node as Record<string, unknown>)[key];
    if (isNode(child)) out.push(child);
  }
  for (const key of ['arguments', 'elements', 'body', 'expressions']) {
    const list = (node as Record<string, unknown>)[key];
    if (Array.isArray(list)) for (const child of list) if (isNode(child)) out.push(child);
  }
  return out;
}

/** Nodes jsep built outside a token (binary, conditional, compound) span their children. */
function fillSpans(node: jsep.Expression): void {
  const children = childrenOf(node);
  for (const child of children) fillSpans(child);
  const n = node as Partial<RawNode>;
  if (n.start !== undefined && n.end !== undefined) return;
  const spans = children.map((c) => c as Partial<RawNode>).filter((c) => c.start !== undefined);
  // Identifiers inside a dotted path are not tokens of their own: they keep no span.
  if (spans.length === 0) return;
  n.start = Math.min(...spans.map((c) => c.start!));
  n.end = Math.max(...spans.map((c) => c.end!));
}
