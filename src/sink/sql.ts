/**
 * SQL literals for ClickHouse 18.16, which has no query parameters (`{name:Type}` arrived in
 * 19.x): every value that reaches a query goes through one of these, never string concatenation.
 */
export function stringLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Smallest normal double; ClickHouse 18.16 refuses subnormal literals (5e-324) as a syntax error. */
const MIN_NORMAL = 2.2250738585072014e-308;

/** A Float64 literal; refuses NaN and infinities, which have no portable literal. Subnormals are written as 0. */
export function floatLiteral(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite number: ${value}`);
  const text = String(Math.abs(value) < MIN_NORMAL ? 0 : value);
  return /[.eE]/.test(text) ? `toFloat64(${text})` : `toFloat64(${text}.0)`;
}

export function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  return String(value);
}

export { quoteIdentifier } from './ddl.js';
