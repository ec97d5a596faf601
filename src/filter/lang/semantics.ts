import type { ComparisonOp, ArithmeticOp, Truth, Value } from './types.js';

/**
 * The value semantics shared by compiled filters and `explain`: SQL three-valued logic where
 * `null` is missing (for booleans, unknown). Nothing here throws on any input.
 */

/** Reads an own property only: inherited names (`__proto__`, `constructor`, ...) are unreachable. */
export function own(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

export function and3(a: Truth, b: Truth): Truth {
  if (a === false || b === false) return false;
  return a === null || b === null ? null : true;
}

export function or3(a: Truth, b: Truth): Truth {
  if (a === true || b === true) return true;
  return a === null || b === null ? null : false;
}

export function not3(a: Truth): Truth {
  return a === null ? null : !a;
}

/** A boolean view of a value: anything but true/false is unknown. */
export function truth(v: Value): Truth {
  return v === true || v === false ? v : null;
}

/** Arithmetic that never yields NaN or infinities: those (and division by zero) are missing. */
export function arithmetic(op: ArithmeticOp, a: Value, b: Value): number | null {
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  let r: number;
  switch (op) {
    case '+': r = a + b; break;
    case '-': r = a - b; break;
    case '*': r = a * b; break;
    case '/': r = b === 0 ? NaN : a / b; break;
    case '%': r = b === 0 ? NaN : a % b; break;
  }
  return finite(r);
}

export function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}

/** Compares numbers with numbers, strings with strings (by UTF-16 code units), booleans for (in)equality. */
export function compare(op: ComparisonOp, a: Value, b: Value): Truth {
  if (a === null || b === null || typeof a !== typeof b) return null;
  if (typeof a === 'boolean' && op !== '==' && op !== '!=') return null;
  switch (op) {
    case '==': return a === b;
    case '!=': return a !== b;
    case '<': return a < b!;
    case '<=': return a <= b!;
    case '>': return a > b!;
    case '>=': return a >= b!;
  }
}

/** SQL `x IN (...)`: true on a match; else unknown if x or any element is missing; else false. */
export function inList(x: Value, list: readonly Value[]): Truth {
  if (x === null) return null;
  let sawMissing = false;
  for (const v of list) {
    if (v === null) sawMissing = true;
    else if (v === x) return true;
  }
  return sawMissing ? null : false;
}

/** A runtime value normalised to the language: NaN, undefined and non-primitive values are missing. */
export function normalise(v: unknown): Value {
  if (typeof v === 'number') return Number.isNaN(v) ? null : v;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  return null;
}
