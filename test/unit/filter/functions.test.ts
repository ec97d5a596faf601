import { describe, expect, it } from 'vitest';
import type { LightCurvePoint } from '../../../src/alert/types.js';
import { compileFilter, registerFunction, separationArcsec, validateFilter } from '../../../src/filter/lang/index.js';
import { plainAlert, valueOf } from './support.js';

const alert = plainAlert();

describe('math functions', () => {
  const table: [string, number | null][] = [
    ['abs(-2.5)', 2.5], ['abs(mag)', 18], ['abs(magErr)', null],
    ['min(3, 1, 2)', 1], ['max(3, 1, 2)', 3], ['min(mag)', 18], ['max(mag, magErr)', null], ['min(mag, flux)', null],
    ['log10(1000)', 3], ['log10(0)', null], ['log10(-1)', null],
    ['sqrt(16)', 4], ['sqrt(-1)', null],
    ['floor(2.7)', 2], ['floor(-2.5)', -3], ['ceil(2.1)', 3], ['ceil(-2.5)', -2],
    ['round(2.5)', 3], ['round(-2.5)', -2], ['round(2.4)', 2],
  ];
  it.each(table)('%s = %s', (text, expected) => {
    const v = valueOf(text, alert);
    if (expected === null) expect(v).toBeNull();
    else expect(v).toBeCloseTo(expected, 12);
  });
});

describe('between is inclusive and three-valued', () => {
  const table: [string, boolean | null][] = [
    ['between(mag, 17, 19)', true], ['between(mag, 18, 19)', true], ['between(mag, 17, 18)', true],
    ['between(mag, 18.01, 19)', false], ['between(mag, 19, 17)', false],
    ['between(magErr, 0, 1)', null], ['between(mag, magErr, 19)', null], ['between(mag, magErr, 17)', false],
  ];
  it.each(table)('%s → %s', (text, expected) => expect(compileFilter(text).evaluate3(alert)).toBe(expected));
});

describe('sep in arcseconds', () => {
  const table: [string, number, number, number, number, number, number][] = [
    // label, ra1, dec1, ra2, dec2, expected arcsec, tolerance
    ['same point', 10, 20, 10, 20, 0, 1e-9],
    ['1 arcsec in dec', 10, 20, 10, 20 + 1 / 3600, 1, 1e-7],
    ['RA wrap 359.9 to 0.1 on the equator', 359.9, 0, 0.1, 0, 720, 1e-6],
    ['pole to pole', 0, 90, 123, -90, 648000, 1e-6],
    ['north pole, any ra', 0, 90, 180, 90, 0, 1e-6],
    ['near the pole 1 arcsec', 0, 90 - 1 / 3600, 180, 90, 1, 1e-6],
    ['antipodes on the equator', 0, 0, 180, 0, 648000, 1e-6],
    ['near antipodes', 0, 0, 180, 1 / 3600, 648000 - 1, 1e-4],
    ['90 degrees', 0, 0, 90, 0, 324000, 1e-6],
    ['milliarcsec', 150, -30, 150 + 0.001 / 3600 / Math.cos((30 * Math.PI) / 180), -30, 0.001, 1e-8],
  ];
  it.each(table)('%s', (_label, ra1, dec1, ra2, dec2, expected, tol) => {
    expect(Math.abs(separationArcsec(ra1, dec1, ra2, dec2) - expected)).toBeLessThan(tol);
    expect(Math.abs((valueOf(`sep(${ra1}, ${dec1}, ${ra2}, ${dec2})`, alert) as number) - expected)).toBeLessThan(tol);
  });
  it('is missing when a coordinate is', () => {
    expect(valueOf('sep(ra, dec, magErr, 0)', alert)).toBeNull();
  });
});

describe('cone on the alert position', () => {
  const at = (ra: number, dec: number) => plainAlert({ ra, dec });
  const table: [string, number, number, boolean | null][] = [
    ['cone(10, 20, 1)', 10, 20, true],
    ['cone(10, 20, 1)', 10, 20 + 0.9 / 3600, true],
    ['cone(10, 20, 1)', 10, 20 + 1.1 / 3600, false],
    ['cone(0.0001, 0, 1)', 359.9999, 0, true],
    ['cone(359.9999, 0, 1)', 0.0001, 0, true],
    ['cone(0, 90, 2)', 200, 90 - 1 / 3600, true],
    ['cone(10, 20, -1)', 10, 20, false],
    ['cone(10, 20, magErr)', 10, 20, null],
  ];
  it.each(table)('%s at (%s, %s) → %s', (text, ra, dec, expected) => expect(compileFilter(text).evaluate3(at(ra, dec))).toBe(expected));
  it('is unknown when the alert has no position', () => {
    expect(compileFilter('cone(10, 20, 1)').evaluate3(plainAlert({ ra: NaN }))).toBeNull();
  });
});

describe('string functions', () => {
  const table: [string, boolean | null][] = [
    ['startsWith(objectId, "ZTF17")', true], ['startsWith(objectId, "ZTF18")', false],
    ['contains(objectId, "aaar")', true], ['contains(objectId, "zz")', false], ['contains(band, "")', true],
    ['startsWith(ztf.candidate.ssnamenr, "x")', null],
  ];
  it.each(table)('%s → %s', (text, expected) => expect(compileFilter(text).evaluate3(alert)).toBe(expected));
});

describe('light-curve functions use the alert\'s own time', () => {
  const p = (mjd: number, band: 'g' | 'r', kind: LightCurvePoint['kind'], mag: number | null): LightCurvePoint =>
    ({ mjd, band, kind, mag, magErr: null, flux: null, fluxErr: null, limitMag: kind === 'upperlimit' ? 20.5 : null });
  const lc = [
    p(100, 'g', 'upperlimit', null), p(101, 'g', 'detection', 19), p(102, 'r', 'detection', 18.5),
    p(103, 'g', 'detection', 18), p(104, 'r', 'upperlimit', null), p(105, 'g', 'detection', 17.5),
    // Later than the alert: must be ignored (no look-ahead).
    p(200, 'g', 'detection', 10), p(201, 'g', 'upperlimit', null),
  ];
  const a = plainAlert({ mjd: 105, lightcurve: lc });
  const table: [string, number | boolean | null][] = [
    ['ndet()', 4], ['ndet("g")', 3], ['ndet("r")', 1], ['ndet("i")', 0],
    ['dmdt("g")', -0.25], ['dmdt("r")', null],
    ['age()', 4],
    ['hasUpperLimitBefore(0.5)', false], ['hasUpperLimitBefore(1)', true], ['hasUpperLimitBefore(5)', true], ['hasUpperLimitBefore(magErr)', null],
  ];
  it.each(table)('%s = %s', (text, expected) => {
    const v = valueOf(text, a);
    if (typeof expected === 'number') expect(v).toBeCloseTo(expected, 12);
    else expect(v).toBe(expected);
  });
  it('is missing or zero without a light curve', () => {
    const bare = plainAlert({ lightcurve: undefined as never });
    expect(valueOf('ndet()', bare)).toBe(0);
    expect(valueOf('age()', bare)).toBeNull();
    expect(valueOf('hasUpperLimitBefore(10)', bare)).toBe(false);
  });
  it('checks the band argument', () => {
    expect(validateFilter('ndet("q") > 1').errors[0]!.code).toBe('FILTER_TYPE');
    expect(validateFilter('ndet(band) > 1').errors[0]!.message).toContain('must be a constant');
    expect(validateFilter('dmdt() < 0').errors[0]!.code).toBe('FILTER_ARITY');
  });
});

describe('watchlist.hit and inmap read per-owner annotations', () => {
  const a = plainAlert({
    watchlist: { hits: [{ list: 'bright', owner: 'ana', name: 'SN 2024abc', sep: 0.4 }, { list: 'bob/faint', name: 'x', sep: 1 }] },
    watchmap: { hits: [{ map: 'gw-S240101', owner: 'ana' }] },
  });
  it('matches only the owner\'s lists', () => {
    const hit = compileFilter('watchlist.hit("bright")');
    expect(hit.evaluate(a, { owner: 'ana' })).toBe(true);
    expect(hit.evaluate(a, { owner: 'bob' })).toBe(false);
    expect(compileFilter('watchlist.hit("faint")').evaluate(a, { owner: 'bob' })).toBe(true);
    expect(compileFilter('watchlist.hit("faint")').evaluate(a, { owner: 'ana' })).toBe(false);
    expect(compileFilter('inmap("gw-S240101")').evaluate(a, { owner: 'ana' })).toBe(true);
    expect(compileFilter('inmap("gw-S240101")').evaluate(a, { owner: 'bob' })).toBe(false);
  });
  it('is unknown when the alert was not annotated', () => {
    expect(compileFilter('watchlist.hit("bright")').evaluate3(plainAlert(), { owner: 'ana' })).toBeNull();
  });
  it('needs a constant list name', () => {
    expect(validateFilter('watchlist.hit(band)').errors[0]!.code).toBe('FILTER_TYPE');
  });
});

describe('the function registry', () => {
  it('lets later stages register functions', () => {
    registerFunction({
      name: 'test.twice', signature: 'test.twice(x)', description: 'x·2', params: ['number'], minArgs: 1, returns: 'number',
      strict: true, pure: true, call: ([x]) => (x as number) * 2,
    });
    expect(compileFilter('test.twice(mag) == 36').evaluate(alert)).toBe(true);
    expect(compileFilter('test.twice(magErr) == 36').evaluate3(alert)).toBeNull();
  });
  it('rejects a malformed name', () => {
    expect(() => registerFunction({ name: 'a b', signature: '', description: '', params: [], minArgs: 0, returns: 'number', strict: true, pure: true, call: () => 1 })).toThrow();
  });
});
