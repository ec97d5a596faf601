import type { Alert, Survey } from '../../alert/types.js';
import { compileNode, rejectionOf } from './compile.js';
import { planOf, type IndexPlan } from './plan.js';
import { truth } from './semantics.js';
import type { Diagnostic, EvalContext, Node, Truth } from './types.js';
import { validateFilter, type ValidateOptions } from './validate.js';

/** A filter compiled once per version and evaluated per alert. */
export interface CompiledFilter {
  readonly text: string;
  /** True only when the filter is TRUE (false and unknown do not match). */
  evaluate(alert: Alert, ctx?: EvalContext): boolean;
  /** The three-valued result: true, false or null (unknown). */
  evaluate3(alert: Alert, ctx?: EvalContext): Truth;
  /** Catalogue paths read, sorted. */
  readonly fields: string[];
  /** Surveys whose alerts it can match. */
  readonly surveys: Survey[];
  readonly warnings: Diagnostic[];
  /** Requirements of the top-level conjunction, for the matcher's index. */
  readonly plan: IndexPlan;
  readonly ast: Node;
}

const EMPTY_CTX: EvalContext = {};

/** Validates and compiles; throws a NightjarError with the first error's code and every diagnostic in `details.errors`. */
export function compileFilter(text: string, options: ValidateOptions = {}): CompiledFilter {
  const result = validateFilter(text, options);
  if (!result.ok || !result.ast) throw rejectionOf(result.errors);
  const ast = result.ast;
  const root = compileNode(ast);
  return {
    text,
    evaluate: (alert, ctx = EMPTY_CTX) => root(alert, ctx) === true,
    evaluate3: (alert, ctx = EMPTY_CTX) => truth(root(alert, ctx)),
    fields: result.fields,
    surveys: result.surveys,
    warnings: result.warnings,
    plan: planOf(ast),
    ast,
  };
}
