import type { Alert } from '../../alert/types.js';
import { compileNode, rejectionOf } from './compile.js';
import type { EvalContext, Node, Value } from './types.js';
import { childNodes } from './tree.js';
import { validateFilter, type ValidateOptions } from './validate.js';

/**
 * `nightjar filter explain`: the filter's tree with the value of every node on one alert, so a
 * user can see which cut failed and which value was missing. Booleans are true/false/'unknown';
 * a missing number or string is 'missing'.
 */
export interface ExplainNode {
  text: string;
  value: boolean | number | string | 'unknown' | 'missing';
  children: ExplainNode[];
}

export function explainFilter(text: string, alert: Alert, ctx: EvalContext = {}, options: ValidateOptions = {}): ExplainNode {
  const result = validateFilter(text, options);
  if (!result.ok || !result.ast) throw rejectionOf(result.errors);
  return explainNode(text, result.ast, alert, ctx);
}

function explainNode(text: string, node: Node, alert: Alert, ctx: EvalContext): ExplainNode {
  const value = compileNode(node)(alert, ctx);
  // Function arguments and list elements are shown too; plain literals have nothing to explain.
  const children = childNodes(node).filter((c) => c.kind !== 'literal').map((c) => explainNode(text, c, alert, ctx));
  return { text: text.slice(node.start, node.end), value: shown(value, node.type === 'boolean'), children };
}

function shown(v: Value, isCondition: boolean): ExplainNode['value'] {
  if (v === null) return isCondition ? 'unknown' : 'missing';
  return v;
}

/** Plain-text rendering for the CLI: one node per line, indented, with its value. */
export function formatExplain(root: ExplainNode, indent = ''): string {
  const line = `${indent}${root.text}  →  ${String(root.value)}`;
  return [line, ...root.children.map((c) => formatExplain(c, `${indent}  `))].join('\n');
}
