import { describe, expect, it } from 'vitest';
import { compileFilter } from '../../../src/filter/lang/index.js';
import type { Truth, Value } from '../../../src/filter/lang/types.js';
import { plainAlert, valueOf } from './support.js';

/**
 * The semantics table, generated: every operator against numbers, missing values (null, NaN,
 * absent) and strings, with the expected result from a small reference written independently
 * of the implementation (plain JS plus "missing in, missing out").
 */
const alert = plainAlert(); // mag 18, magErr null, flux NaN, reliability absent, fluxErr 2, band "r"
const run3 = (text: string): Truth => compileFilter(text).evaluate3(alert);

const numberOperands: { text: string; value: number | null }[] = [
  { text: 'mag', value: 18 },
  { text: 'fluxErr', value: 2 },
  { text: '3', value: 3 },
  { text: '0', value: 0 },
  { text: '-2.5', value: -2.5 },
  { text: 'magErr', value: null },
  { text: 'flux', value: null },
  { text: 'reliability', value: null },
];
const comparisons = ['==', '!=', '<', '<=', '>', '>='] as const;
const jsCompare = (op: string, a: number | string, b: number | string): boolean =>
  ({ '==': a === b, '!=': a !== b, '<': a < b, '<=': a <= b, '>': a > b, '>=': a >= b })[op]!;

describe('comparisons of numbers, with missing operands unknown', () => {
  const cases = comparisons.flatMap((op) => numberOperands.flatMap((l) => numberOperands.map((r) => [op, l, r] as const)));
  it.each(cases)('%s: %o vs %o', (op, l, r) => {
    const expected = l.value === null || r.value === null ? null : jsCompare(op, l.value, r.value);
    expect(run3(`${l.text} ${op} ${r.text}`)).toBe(expected);
  });
});

describe('arithmetic, with missing operands and division by zero missing', () => {
  const ops = ['+', '-', '*', '/', '%'] as const;
  const reference = (op: string, a: number | null, b: number | null): number | null => {
    if (a === null || b === null) return null;
    if ((op === '/' || op === '%') && b === 0) return null;
    return { '+': a + b, '-': a - b, '*': a * b, '/': a / b, '%': a % b }[op]!;
  };
  const cases = ops.flatMap((op) => numberOperands.flatMap((l) => numberOperands.map((r) => [op, l, r] as const)));
  it.each(cases)('%s: %o and %o', (op, l, r) => {
    const expected = reference(op, l.value, r.value);
    const got = valueOf(`${l.text} ${op} ${r.text}`, alert);
    if (expected === null) expect(got).toBeNull();
    else expect(got).toBeCloseTo(expected, 12);
    // The same through a whole filter: exists() is never unknown.
    expect(run3(`exists(${l.text} ${op} ${r.text})`)).toBe(expected !== null);
  });
  it('folds constant division by zero to missing', () => {
    expect(valueOf('1 / 0', alert)).toBeNull();
    expect(valueOf('0 / 0', alert)).toBeNull();
    expect(valueOf('5 % 0', alert)).toBeNull();
    expect(run3('1 / 0 > 0')).toBeNull();
    expect(run3('not (mag / 0 > 0)')).toBeNull();
  });
  it('treats overflow to infinity as missing', () => {
    expect(valueOf('1e300 * 1e300', alert)).toBeNull();
  });
  it('negates and keeps missing missing', () => {
    expect(valueOf('-mag', alert)).toBe(-18);
    expect(valueOf('+mag', alert)).toBe(18);
    expect(valueOf('-magErr', alert)).toBeNull();
    expect(valueOf('- -mag', alert)).toBe(18);
  });
});

describe('strings compare with strings', () => {
  const strings: { text: string; value: string | null }[] = [
    { text: 'band', value: 'r' },
    { text: '"g"', value: 'g' },
    { text: '"r"', value: 'r' },
    { text: '"z"', value: 'z' },
    { text: '""', value: '' },
    { text: 'ztf.candidate.ssnamenr', value: null },
  ];
  const cases = comparisons.flatMap((op) => strings.flatMap((l) => strings.map((r) => [op, l, r] as const)));
  it.each(cases)('%s: %o vs %o', (op, l, r) => {
    const expected = l.value === null || r.value === null ? null : jsCompare(op, l.value, r.value);
    expect(run3(`${l.text} ${op} ${r.text}`)).toBe(expected);
  });
  it('orders lexicographically by code unit, case-sensitively', () => {
    expect(run3('"ZTF" < "ztf"')).toBe(true);
    expect(run3('"abc" < "abd"')).toBe(true);
    expect(run3('"ab" < "abc"')).toBe(true);
    expect(run3('"é" > "z"')).toBe(true);
  });
});

describe('ids compare as exact decimal strings', () => {
  it('matches the exact id, beyond 2^53', () => {
    const big = plainAlert({ alertId: '170094456272322680' });
    expect(compileFilter('alertId == "170094456272322680"').evaluate(big)).toBe(true);
    expect(compileFilter('alertId == "170094456272322681"').evaluate(big)).toBe(false);
    expect(compileFilter('alertId in ["1", "170094456272322680"]').evaluate(big)).toBe(true);
  });
  it('reads a bigint id exactly', () => {
    const big = plainAlert({ alertId: 170094456272322681n as unknown as string });
    expect(compileFilter('alertId == "170094456272322681"').evaluate(big)).toBe(true);
  });
});

describe('SQL truth tables for and, or, not', () => {
  const T = 'mag < 19';
  const F = 'mag > 19';
  const U = 'magErr < 1';
  const truths: [string, Truth][] = [[T, true], [F, false], [U, null]];
  const and3 = (a: Truth, b: Truth): Truth => (a === false || b === false ? false : a === null || b === null ? null : true);
  const or3 = (a: Truth, b: Truth): Truth => (a === true || b === true ? true : a === null || b === null ? null : false);
  const not3 = (a: Truth): Truth => (a === null ? null : !a);
  const pairs = truths.flatMap((a) => truths.map((b) => [a, b] as const));
  it.each(pairs)('and / && : %o %o', ([a, av], [b, bv]) => {
    expect(run3(`${a} and ${b}`)).toBe(and3(av, bv));
    expect(run3(`(${a}) && (${b})`)).toBe(and3(av, bv));
  });
  it.each(pairs)('or / || : %o %o', ([a, av], [b, bv]) => {
    expect(run3(`${a} or ${b}`)).toBe(or3(av, bv));
    expect(run3(`(${a}) || (${b})`)).toBe(or3(av, bv));
  });
  it.each(truths)('not / ! : %s', (a, av) => {
    expect(run3(`not ${a}`)).toBe(not3(av));
    expect(run3(`!(${a})`)).toBe(not3(av));
  });
  const triples = truths.flatMap((a) => truths.flatMap((b) => truths.map((c) => [a, b, c] as const)));
  it.each(triples)('precedence: a or b and c = a or (b and c): %o %o %o', ([a, av], [b, bv], [c, cv]) => {
    expect(run3(`${a} or ${b} and ${c}`)).toBe(or3(av, and3(bv, cv)));
    expect(run3(`not ${a} and ${b}`)).toBe(and3(not3(av), bv));
    expect(run3(`(${a} or ${b}) and ${c}`)).toBe(and3(or3(av, bv), cv));
  });
  it('matches only on TRUE', () => {
    const f = compileFilter(U);
    expect(f.evaluate3(alert)).toBeNull();
    expect(f.evaluate(alert)).toBe(false);
    expect(compileFilter(`not (${U})`).evaluate(alert)).toBe(false);
  });
  it('evaluates long conjunctions and disjunctions with unknowns', () => {
    expect(run3(`${T} and ${T} and ${U} and ${T}`)).toBeNull();
    expect(run3(`${T} and ${U} and ${F} and ${T}`)).toBe(false);
    expect(run3(`${F} or ${U} or ${F}`)).toBeNull();
    expect(run3(`${F} or ${U} or ${T}`)).toBe(true);
  });
});

describe('operator precedence', () => {
  const table: [string, Value][] = [
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['2 * 3 % 4', 2],
    ['-2 * 3', -6],
    ['mag - 1 * 2', 16],
  ];
  it.each(table)('%s = %s', (text, expected) => expect(valueOf(text, alert)).toBe(expected));
  it('comparison binds looser than arithmetic, and looser than comparison', () => {
    expect(run3('mag + 1 == 19 and 2 * 2 == 4')).toBe(true);
    expect(run3('mag < 19 == true')).toBe(true);
  });
  it('`not` has SQL precedence (below comparison), `!` binds tightly', () => {
    expect(run3('not mag < 19')).toBe(false);
    expect(run3('not mag + 1 < 19 and band == "r"')).toBe(true);
    expect(run3('not mag in [18, 19]')).toBe(false);
    expect(run3('!isPositive')).toBe(false);
    expect(run3('not not mag < 19')).toBe(true);
  });
  it('`in` sits at comparison precedence', () => {
    expect(run3('mag + 1 in [19] and band in ["r"]')).toBe(true);
  });
});

describe('in with missing values (SQL)', () => {
  const table: [string, Truth][] = [
    ['mag in [17, 18]', true],
    ['mag in [17, 19]', false],
    ['mag in [17, magErr]', null],
    ['mag in [18, magErr]', true],
    ['magErr in [1, 2]', null],
    ['flux in [1, 2]', null],
    ['band in ["g", "r"]', true],
    ['band in ["g", "i"]', false],
    ['not (mag in [17, magErr])', null],
    ['not (mag in [17, 19])', true],
    ['mag in [1 / 0, 17]', null],
    ['mag in [1 / 0, 18]', true],
  ];
  it.each(table)('%s → %s', (text, expected) => expect(run3(text)).toBe(expected));
});

describe('booleans', () => {
  it('uses a boolean field as a condition and compares it with == only', () => {
    expect(run3('isPositive')).toBe(true);
    expect(run3('isPositive == false')).toBe(false);
    expect(compileFilter('isPositive').evaluate3(plainAlert({ isPositive: null }))).toBeNull();
    expect(run3('true')).toBe(true);
    expect(run3('false or isPositive')).toBe(true);
  });
  it('treats a value of the wrong runtime type as missing', () => {
    const odd = plainAlert({ mag: '18' as unknown as number, band: 7 as unknown as 'r' });
    expect(compileFilter('mag < 19').evaluate3(odd)).toBeNull();
    expect(compileFilter('band == "r"').evaluate3(odd)).toBeNull();
    expect(compileFilter('exists(mag)').evaluate3(odd)).toBe(false);
  });
});

describe('exists is never unknown', () => {
  const table: [string, boolean][] = [
    ['exists(mag)', true],
    ['exists(magErr)', false],
    ['exists(flux)', false],
    ['exists(reliability)', false],
    ['exists(mag / 0)', false],
    ['exists(mag < 19)', true],
    ['exists(magErr < 19)', false],
    ['not exists(magErr)', true],
    ['exists(ztf)', false],
    ['exists(lightcurve)', true],
    ['exists(xmatch.gaia.sep)', false],
  ];
  it.each(table)('%s → %s', (text, expected) => expect(run3(text)).toBe(expected));
});
