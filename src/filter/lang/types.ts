import type { Alert, Survey } from '../../alert/types.js';
import type { FieldDef } from '../../alert/catalogue.js';
import type { ErrorCode } from '../../errors/index.js';

/**
 * Static types of filter expressions. Catalogue `integer` is `number` here; `id` is an exact
 * decimal string that only compares for equality with strings; `array` and `object` fields can
 * only be tested with exists(); `any` marks a node whose type is unknown after an error (so one
 * mistake does not cascade into many).
 */
export type ValueType = 'number' | 'string' | 'boolean' | 'id' | 'array' | 'object' | 'any';

/** A runtime value. `null` is missing (for booleans: SQL's unknown). */
export type Value = number | string | boolean | null;
/** SQL three-valued truth: true, false or unknown (null). */
export type Truth = boolean | null;

/** What an evaluation may read besides the alert: whose filter it is (for per-owner watchlists). */
export interface EvalContext {
  owner?: string;
}

/** A compiled node: reads only the alert and the context, never throws on missing data. */
export type Evaluator = (alert: Alert, ctx: EvalContext) => Value;

export interface Span {
  start: number;
  end: number;
}

export interface Diagnostic {
  code: ErrorCode;
  message: string;
  /** Character offsets into the filter text, end exclusive. */
  start: number;
  end: number;
  /** 1-based line and column of `start`. */
  line: number;
  column: number;
  /** The source line and a line of carets under the span. */
  caret: string;
  suggestion?: string;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';
export type ComparisonOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

interface Base extends Span {
  type: ValueType;
}
export interface LiteralNode extends Base {
  kind: 'literal';
  value: number | string | boolean;
}
export interface ArrayNode extends Base {
  kind: 'array';
  elements: Node[];
  elementType: ValueType;
}
export interface FieldNode extends Base {
  kind: 'field';
  path: string;
  /** Own-property keys walked from the alert. */
  keys: string[];
  def: FieldDef;
}
export interface UnaryNode extends Base {
  kind: 'unary';
  op: 'neg' | 'pos' | 'not';
  arg: Node;
}
export interface ArithmeticNode extends Base {
  kind: 'arithmetic';
  op: ArithmeticOp;
  left: Node;
  right: Node;
}
export interface ComparisonNode extends Base {
  kind: 'comparison';
  op: ComparisonOp;
  left: Node;
  right: Node;
}
export interface InNode extends Base {
  kind: 'in';
  value: Node;
  list: Node[];
}
export interface LogicalNode extends Base {
  kind: 'logical';
  op: 'and' | 'or';
  operands: Node[];
}
export interface CallNode extends Base {
  kind: 'call';
  name: string;
  fn: FunctionDef;
  args: Node[];
}

export type Node = LiteralNode | ArrayNode | FieldNode | UnaryNode | ArithmeticNode | ComparisonNode | InNode | LogicalNode | CallNode;

/** A whitelisted function. Implementations get evaluated arguments, the alert and the context. */
export interface FunctionDef {
  /** As written in a filter: `abs`, `ndet`, `watchlist.hit`. */
  name: string;
  /** Human signature for docs and messages, e.g. `between(x, lo, hi)`. */
  signature: string;
  description: string;
  /** Parameter types; with `variadic` the last one repeats. */
  params: ValueType[];
  minArgs: number;
  variadic?: boolean;
  returns: ValueType;
  /** The result is missing whenever an argument is missing (the wrapper checks, `call` need not). */
  strict: boolean;
  /** Depends only on its arguments, so calls with constant arguments fold at compile time. */
  pure: boolean;
  /** Indices of arguments that must be constants (e.g. a watchlist name, a band). */
  constantArgs?: number[];
  /** Extra check of the (constant) arguments; returns an error message or undefined. */
  check?: (args: Node[]) => string | undefined;
  call: (args: Value[], alert: Alert, ctx: EvalContext) => Value;
}

export interface ValidationResult {
  ok: boolean;
  errors: Diagnostic[];
  warnings: Diagnostic[];
  /** Surveys whose alerts the filter can ever match. */
  surveys: Survey[];
  /** Catalogue paths the filter reads, sorted. */
  fields: string[];
  /** The typed tree, present when ok. */
  ast?: Node;
}
