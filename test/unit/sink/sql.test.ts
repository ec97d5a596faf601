import { describe, expect, it } from 'vitest';
import { floatLiteral } from '../../../src/sink/sql.js';

describe('floatLiteral', () => {
  it('writes doubles exactly and marks integers as Float64', () => {
    expect(floatLiteral(10.5)).toBe('toFloat64(10.5)');
    expect(floatLiteral(-3)).toBe('toFloat64(-3.0)');
    expect(floatLiteral(1e-300)).toBe('toFloat64(1e-300)');
  });

  // Regression (found by schemathesis on GET /cone and /scs): ClickHouse 18.16 answers a subnormal
  // literal such as 5e-324 with a syntax error, which became a 500.
  it('writes subnormal numbers as 0', () => {
    expect(floatLiteral(5e-324)).toBe('toFloat64(0.0)');
    expect(floatLiteral(-6.1807607e-317)).toBe('toFloat64(0.0)');
    expect(floatLiteral(2.2250738585072014e-308)).toBe('toFloat64(2.2250738585072014e-308)');
  });

  it('refuses NaN and infinities', () => {
    expect(() => floatLiteral(NaN)).toThrow(RangeError);
    expect(() => floatLiteral(Infinity)).toThrow(RangeError);
  });
});
