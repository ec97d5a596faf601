/**
 * The filter language: parse (jsep), validate against the field catalogue and the function
 * whitelist, compile to closures, evaluate with SQL three-valued logic, explain.
 * See docs/filter-language.md.
 */
import './builtins.js';

export { compileFilter, type CompiledFilter } from './compiled.js';
export { explainFilter, formatExplain, type ExplainNode } from './explain.js';
export { allFunctions, lookupFunction, registerFunction } from './functions.js';
export { defaultLimits, type FilterLimits } from './limits.js';
export { planOf, requiredFields, type IndexPlan, type Interval } from './plan.js';
export { separationArcsec } from './sphere.js';
export { validateFilter, type ValidateOptions } from './validate.js';
export type { Diagnostic, EvalContext, FunctionDef, Node, Truth, ValidationResult, Value, ValueType } from './types.js';
