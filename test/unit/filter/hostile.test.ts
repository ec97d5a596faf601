import { describe, expect, it } from 'vitest';
import { registerFields } from '../../../src/alert/catalogue.js';
import { makeAccessor } from '../../../src/filter/lang/accessor.js';
import { compileFilter, validateFilter } from '../../../src/filter/lang/index.js';
import { FilterMatcher } from '../../../src/filter/matcher.js';
import { plainAlert } from './support.js';

const codeOf = (text: string, limits?: Parameters<typeof validateFilter>[1]) => {
  const r = validateFilter(text, limits);
  expect(r.ok).toBe(false);
  return r.errors[0]!.code;
};

describe('reaching outside the catalogue is forbidden', () => {
  const forbidden = [
    'constructor.constructor("x")()',
    'constructor',
    '__proto__.x',
    '__proto__',
    'mag.constructor',
    'mag.constructor("x")',
    'mag.__proto__ == 1',
    'ztf.candidate.constructor',
    'lc.prototype',
    'this',
    'this.mag < 1',
    'process.exit()',
    'process.env.HOME == "x"',
    'globalThis.process',
    'global',
    'window.location',
    'require("fs")',
    'Function("return 1")()',
    'eval("1") == 1',
    'mag["constructor"]',
    'ztf["candidate"].magpsf < 1',
    'mag[0] == 1',
    '(mag).x',
    '"x".length == 1',
    'sep(1,2,3,4).x',
    'abs(1)()',
    '[1][0] == 1',
    'exists(constructor)',
    'Object.keys(1)',
    'Reflect.get(1)',
  ];
  it.each(forbidden)('%s → FILTER_FORBIDDEN', (text) => expect(codeOf(text)).toBe('FILTER_FORBIDDEN'));

  it('does not resolve inherited names as fields or functions', () => {
    for (const name of ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf']) {
      expect(codeOf(`${name} == 1`)).toBe('FILTER_UNKNOWN_FIELD');
      expect(codeOf(`${name}() == 1`)).toBe('FILTER_UNKNOWN_FUNCTION');
    }
  });

  it('refuses forbidden names even when a stage registers them', () => {
    registerFields([{ path: 'evil.__proto__.x', type: 'number', description: 'test', surveys: ['ztf'], example: 1, group: 'test' }]);
    expect(codeOf('evil.__proto__.x > 1')).toBe('FILTER_FORBIDDEN');
  });

  it('reads own properties only, so prototypes are unreachable', () => {
    const alert = plainAlert();
    expect(makeAccessor(['constructor'], 'object')(alert)).toBeNull();
    expect(makeAccessor(['__proto__'], 'object')(alert)).toBeNull();
    expect(makeAccessor(['mag', 'constructor', 'name'], 'string')(alert)).toBeNull();
    expect(makeAccessor(['toString'], 'object')(alert)).toBeNull();
    const inherited = Object.create({ mag: 1 }) as never;
    expect(makeAccessor(['mag'], 'number')(inherited)).toBeNull();
    // Each path length has its own reader: two, three and more keys.
    const nested = { ztf: { candidate: Object.create({ magpsf: 1 }), c: { d: Object.create({ e: 2 }) } } } as never;
    expect(makeAccessor(['ztf', '__proto__'], 'object')(nested)).toBeNull();
    expect(makeAccessor(['ztf', 'candidate', 'magpsf'], 'number')(nested)).toBeNull();
    expect(makeAccessor(['ztf', 'candidate', 'constructor'], 'object')(nested)).toBeNull();
    expect(makeAccessor(['ztf', 'c', 'd', 'e'], 'number')(nested)).toBeNull();
    expect(makeAccessor(['ztf', 'c', 'd'], 'object')(nested)).toBe(true);
  });
});

describe('limits, each with its own code', () => {
  it('rejects text over the length limit before parsing', () => {
    expect(codeOf(`mag < ${'1'.repeat(4000)}`)).toBe('FILTER_TOO_LONG');
    expect(codeOf(`band == "${'x'.repeat(1_000_000)}"`)).toBe('FILTER_TOO_LONG');
    expect(codeOf('('.repeat(100_000))).toBe('FILTER_TOO_LONG');
  });
  it('accepts text at the limit', () => {
    const text = `band == "${'x'.repeat(4000 - 10)}"`;
    expect(text.length).toBe(4000);
    expect(validateFilter(text).ok).toBe(true);
  });
  it('checks nesting on the raw text before jsep recurses', () => {
    const big = { limits: { maxLength: 10_000_000 } };
    expect(codeOf('('.repeat(100_000), big)).toBe('FILTER_TOO_DEEP');
    expect(codeOf(`${'('.repeat(1_000_000)}mag < 1${')'.repeat(1_000_000)}`, big)).toBe('FILTER_TOO_DEEP');
    expect(codeOf(`mag in ${'['.repeat(100_000)}`, big)).toBe('FILTER_TOO_DEEP');
    expect(codeOf(`${'!'.repeat(100_000)}isPositive`, big)).toBe('FILTER_TOO_DEEP');
    expect(codeOf(`${'not '.repeat(100_000)}isPositive`, big)).toBe('FILTER_TOO_DEEP');
    expect(codeOf(`${'-'.repeat(100_000)}mag < 1`, big)).toBe('FILTER_TOO_DEEP');
    expect(codeOf(`${'abs('.repeat(40)}mag${')'.repeat(40)} < 1`)).toBe('FILTER_TOO_DEEP');
  });
  it('allows 32 levels and rejects 33', () => {
    expect(validateFilter(`${'('.repeat(31)}mag < 1${')'.repeat(31)}`).ok).toBe(true);
    expect(codeOf(`${'('.repeat(33)}mag < 1${')'.repeat(33)}`)).toBe('FILTER_TOO_DEEP');
  });
  it('measures depth of operators too, but a chain of and/or is one level', () => {
    expect(codeOf(`${Array(100).fill('mag').join(' + ')} > 1`)).toBe('FILTER_TOO_DEEP');
    expect(validateFilter(Array(100).fill('mag < 1').join(' and ')).ok).toBe(true);
  });
  it('counts nodes', () => {
    expect(codeOf(Array(200).fill('mag < 1').join(' and '))).toBe('FILTER_TOO_LARGE');
  });
  it('limits array literals, whose plain elements do not count as nodes', () => {
    expect(validateFilter(`mag in [${Array(1000).fill('1').join(',')}]`).ok).toBe(true);
    expect(codeOf(`mag in [${Array(1001).fill('1').join(',')}]`)).toBe('FILTER_ARRAY_TOO_LONG');
    expect(codeOf(`mag in [${Array(600).fill('mag').join(',')}]`)).toBe('FILTER_TOO_LARGE');
  });
  it('honours configured limits', () => {
    expect(codeOf('mag < 1 and mag < 2', { limits: { maxLength: 10 } })).toBe('FILTER_TOO_LONG');
    expect(codeOf('((mag < 1))', { limits: { maxDepth: 1 } })).toBe('FILTER_TOO_DEEP');
    expect(codeOf('mag in [1, 2, 3]', { limits: { maxArrayLength: 2 } })).toBe('FILTER_ARRAY_TOO_LONG');
  });
  it('handles a megabyte string literal when the length limit allows it', () => {
    const text = `band == "${'é'.repeat(1_000_000)}"`;
    const r = validateFilter(text, { limits: { maxLength: 2_000_000 } });
    expect(r.ok).toBe(true);
    expect(compileFilter(text, { limits: { maxLength: 2_000_000 } }).evaluate(plainAlert())).toBe(false);
  });
});

describe('odd characters are errors, not crashes', () => {
  const cases: [string, string][] = [
    ['mag < 1\u0000', 'FILTER_PARSE'],
    ['\u0000', 'FILTER_PARSE'],
    ['mäg < 1', 'FILTER_UNKNOWN_FIELD'],
    ['😀 < 1', 'FILTER_UNKNOWN_FIELD'],
    ['\ud800 == 1', 'FILTER_UNKNOWN_FIELD'],
    ['mag < 1 #', 'FILTER_PARSE'],
    ['mag < 1 @ 2', 'FILTER_PARSE'],
    ['{a: 1}', 'FILTER_PARSE'],
    ['`x`', 'FILTER_PARSE'],
    ['mag < 0x10', 'FILTER_PARSE'],
    ['mag < 1..2', 'FILTER_PARSE'],
    ['mag <', 'FILTER_PARSE'],
    [')', 'FILTER_PARSE'],
    ['mag < (1', 'FILTER_PARSE'],
    ['"\\', 'FILTER_PARSE'],
    ['$x < 1', 'FILTER_UNKNOWN_FIELD'],
  ];
  it.each(cases)('%j → %s', (text, code) => expect(codeOf(text)).toBe(code));
  it('rejects text that is not a string', () => {
    expect(validateFilter(null as never).errors[0]!.code).toBe('FILTER_PARSE');
    expect(validateFilter(42 as never).errors[0]!.code).toBe('FILTER_PARSE');
  });
  it('compares unicode strings', () => {
    expect(compileFilter('band == "ü\u0000"').evaluate(plainAlert({ band: 'ü\u0000' as never }))).toBe(true);
  });
});

describe('hostile alerts', () => {
  it('never throws out of match(), and counts the error', () => {
    const matcher = new FilterMatcher();
    matcher.upsert('a@1', 'mag < 19');
    const alert = plainAlert();
    Object.defineProperty(alert, 'mag', { get() { throw new Error('boom'); }, enumerable: true });
    expect(matcher.match(alert)).toEqual([]);
    expect(matcher.stats('a@1')).toMatchObject({ evaluated: 1, errors: 1, matched: 0, lastError: { code: 'FILTER_EVALUATION', message: 'boom' } });
    expect(matcher.match(null as never)).toEqual([]);
    expect(matcher.match({} as never)).toEqual([]);
    // The index is left clean for the next alert.
    for (let i = 0; i < 100; i++) matcher.upsert(`m${i}@1`, `mag < ${17 + i / 100} and snr > 3`);
    const thrower = plainAlert({ snr: 10 });
    Object.defineProperty(thrower, 'mag', { get() { throw new Error('boom'); }, enumerable: true });
    expect(matcher.match(plainAlert({ mag: 17.5, snr: 10 }))).toHaveLength(50);
    expect(matcher.match(thrower)).toEqual([]);
    expect(matcher.match(plainAlert({ mag: 18.5, snr: 2 }))).toEqual(['a@1']);
    expect(matcher.match(plainAlert({ mag: 17.5, snr: 10 })).sort()).toEqual(['a@1', ...Array.from({ length: 49 }, (_, i) => `m${i + 51}@1`)].sort());
  });
  it('treats junk in the light curve as absent', () => {
    const junk = plainAlert({ lightcurve: [null, 1, 'x', { mjd: 'x' }, { mjd: 60000, kind: 'detection', band: 'r', mag: 18 }] as never });
    expect(compileFilter('ndet() == 1 and ndet("r") == 1').evaluate(junk)).toBe(true);
    expect(compileFilter('ndet() == 0').evaluate(plainAlert({ lightcurve: { length: 5 } as never }))).toBe(true);
  });
});

describe('data cannot run code', () => {
  it('never calls methods found on alert data', () => {
    let called = false;
    const hits = [{ list: 'x', name: 'a', sep: 1 }] as unknown[] & { some?: unknown; filter?: unknown };
    hits.some = () => { called = true; return true; };
    const lightcurve = [{ mjd: 60000, kind: 'detection', band: 'r', mag: 18 }] as unknown[] & { filter?: unknown };
    lightcurve.filter = () => { called = true; return []; };
    const alert = plainAlert({ mjd: 60001, watchlist: { hits }, lightcurve: lightcurve as never });
    expect(compileFilter('watchlist.hit("y")').evaluate3(alert)).toBe(false);
    expect(compileFilter('ndet("r") == 1').evaluate(alert)).toBe(true);
    expect(called).toBe(false);
  });
});
