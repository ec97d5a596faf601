import { describe, expect, it } from 'vitest';
import { compileFilter, explainFilter, formatExplain, validateFilter } from '../../../src/filter/lang/index.js';
import { isNightjarError } from '../../../src/errors/index.js';
import { plainAlert } from './support.js';

const firstError = (text: string) => {
  const r = validateFilter(text);
  expect(r.ok).toBe(false);
  return r.errors[0]!;
};

describe('positions of diagnostics', () => {
  it('points parse errors at line, column and caret', () => {
    const e = firstError('mag < 18\n  and band == ');
    expect(e).toMatchObject({ code: 'FILTER_PARSE', line: 2, column: 15, start: 23 });
    expect(e.caret).toBe('  and band == \n              ^');
  });
  it('suggests == for =', () => {
    const e = firstError('band = "g"');
    expect(e).toMatchObject({ code: 'FILTER_PARSE', line: 1, column: 6, suggestion: 'use == to compare' });
  });
  it('underlines an unknown field exactly, on its line', () => {
    const e = firstError('mag < 19 and\n    reliabilty > 0.8');
    expect(e).toMatchObject({ code: 'FILTER_UNKNOWN_FIELD', line: 2, column: 5, start: 17, end: 27 });
    expect(e.caret).toBe('    reliabilty > 0.8\n    ^^^^^^^^^^');
    expect(e.suggestion).toMatch(/^did you mean `reliability`/);
  });
  it('underlines a dotted path and a call', () => {
    expect(firstError('ztf.candidate.magpfs < 18')).toMatchObject({ start: 0, end: 20, suggestion: 'did you mean `ztf.candidate.magpsf`?' });
    const call = firstError('mag < 19 and sepp(1, 2, 3, 4) < 2');
    expect(call).toMatchObject({ code: 'FILTER_UNKNOWN_FUNCTION', start: 13, end: 17, suggestion: 'did you mean `sep`?' });
    expect(call.caret).toBe('mag < 19 and sepp(1, 2, 3, 4) < 2\n             ^^^^');
  });
  it('keeps tabs in the caret line so it lines up', () => {
    expect(firstError('\tmagg < 1').caret).toBe('\tmagg < 1\n\t^^^^');
  });
  it('reports every error, not only the first', () => {
    const r = validateFilter('magg < 1 and band < 3 and abs(1, 2) > 0');
    expect(r.errors.map((e) => e.code)).toEqual(['FILTER_UNKNOWN_FIELD', 'FILTER_TYPE', 'FILTER_ARITY']);
  });
  it('points a bad operator at the operator', () => {
    expect(firstError('mag === 18')).toMatchObject({ code: 'FILTER_PARSE', start: 4, end: 7, suggestion: 'use ==' });
    expect(firstError('isPositive & true')).toMatchObject({ start: 11, end: 12, suggestion: 'use and' });
  });
});

describe('suggestions', () => {
  const cases: [string, string][] = [
    ['magpfs < 1', 'ztf.candidate.magpsf'],
    ['reliabilty > 0.5', 'reliability'],
    ['lc.r.ndett > 2', 'lc.r.ndet'],
    ['anomaly.scor > 0.5', 'anomaly.score'],
    ['snrr > 3', 'snr'],
  ];
  it.each(cases)('%s → %s', (text, expected) => expect(firstError(text).suggestion).toContain(`\`${expected}\``));
  it('lists the fields of a group', () => {
    expect(firstError('lc.g > 1').suggestion).toContain('`lc.g.dmdt`');
  });
  it('points from a field name to the function of that name', () => {
    expect(firstError('age > 3').suggestion).toBe('age is a function: write age()');
  });
});

describe('type errors', () => {
  const cases: [string, string][] = [
    ['mag < "18"', 'FILTER_TYPE'],
    ['band > 3', 'FILTER_TYPE'],
    ['alertId == 123', 'FILTER_TYPE'],
    ['alertId < "5"', 'FILTER_TYPE'],
    ['isPositive < true', 'FILTER_TYPE'],
    ['mag + "x" > 1', 'FILTER_TYPE'],
    ['not mag', 'FILTER_TYPE'],
    ['-band == 1', 'FILTER_TYPE'],
    ['mag and band == "r"', 'FILTER_TYPE'],
    ['mag in ["a"]', 'FILTER_TYPE'],
    ['mag in 3', 'FILTER_TYPE'],
    ['lightcurve == 1', 'FILTER_TYPE'],
    ['sep(ra, dec, "a", 1) < 1', 'FILTER_TYPE'],
    ['startsWith(mag, "1")', 'FILTER_TYPE'],
    ['mag == null', 'FILTER_TYPE'],
    ['[1, 2]', 'FILTER_TYPE'],
    ['mag < 1e999', 'FILTER_TYPE'],
    ['abs()', 'FILTER_ARITY'],
    ['sep(1, 2, 3) < 1', 'FILTER_ARITY'],
    ['min() < 1', 'FILTER_ARITY'],
    ['ndet("g", "r") > 1', 'FILTER_ARITY'],
    ['mag', 'FILTER_NOT_BOOLEAN'],
    ['mag + 1', 'FILTER_NOT_BOOLEAN'],
    ['"text"', 'FILTER_NOT_BOOLEAN'],
    ['sqrt(4)', 'FILTER_NOT_BOOLEAN'],
    ['frobnicate(mag)', 'FILTER_UNKNOWN_FUNCTION'],
    ['a ? b : c', 'FILTER_PARSE'],
    ['mag < 1; mag > 0', 'FILTER_PARSE'],
    ['mag < 1 mag > 0', 'FILTER_PARSE'],
    ['(mag < 1, mag > 0)', 'FILTER_PARSE'],
    ['mag < 1 and', 'FILTER_PARSE'],
    ['~mag > 1', 'FILTER_PARSE'],
    ['mag ** 2 > 1', 'FILTER_PARSE'],
    ['mag ?? 1 > 1', 'FILTER_PARSE'],
    ['mag in [1, , 2]', 'FILTER_PARSE'],
    ['', 'FILTER_PARSE'],
    ['   ', 'FILTER_PARSE'],
    ['ztf?.candidate > 1', 'FILTER_PARSE'],
    ['"unclosed', 'FILTER_PARSE'],
  ];
  it.each(cases)('%s → %s', (text, code) => expect(firstError(text).code).toBe(code));
  it('accepts ids compared with strings', () => {
    expect(validateFilter('alertId == "2982177112815010003" and objectId != "x"').ok).toBe(true);
    expect(validateFilter('lsst.diaSource.diaObjectId in ["1", "2"]').ok).toBe(true);
  });
});

describe('survey reach', () => {
  it('tells which surveys a filter can match', () => {
    expect(validateFilter('mag < 19').surveys).toEqual(['ztf', 'lsst']);
    expect(validateFilter('ztf.candidate.drb > 0.9').surveys).toEqual(['ztf']);
    expect(validateFilter('lsst.diaSource.reliability > 0.9').surveys).toEqual(['lsst']);
    expect(validateFilter('ztf.candidate.drb > 0.9 or lsst.diaSource.reliability > 0.9').surveys).toEqual(['ztf', 'lsst']);
    expect(validateFilter('survey == "lsst"').surveys).toEqual(['lsst']);
    expect(validateFilter('not exists(ztf.candidate.drb)').surveys).toEqual(['ztf', 'lsst']);
    expect(validateFilter('exists(ztf.candidate.drb)').surveys).toEqual(['ztf']);
  });
  it('warns about a conjunction that needs both surveys', () => {
    const r = validateFilter('mag < 19 or (ztf.candidate.drb > 0.9 and lsst.diaSource.reliability > 0.9)');
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toMatchObject({ code: 'FILTER_NEVER_MATCHES', start: 12, end: 74 });
    expect(r.surveys).toEqual(['ztf', 'lsst']);
  });
  it('warns about lsst fields in a ZTF-only filter', () => {
    const r = validateFilter('survey == "ztf" and lsst.diaSource.psfFlux > 0');
    expect(r.warnings[0]!.message).toContain('only on lsst');
    expect(r.surveys).toEqual([]);
  });
  it('lists the fields read', () => {
    expect(validateFilter('mag < 19 and exists(xmatch.gaia.sep) and band == "g"').fields).toEqual(['band', 'mag', 'xmatch.gaia.sep']);
  });
});

describe('compileFilter', () => {
  it('throws the first error as a NightjarError with every diagnostic', () => {
    try {
      compileFilter('magg < 1 and band < 3');
      expect.unreachable();
    } catch (err) {
      expect(isNightjarError(err, 'FILTER_UNKNOWN_FIELD')).toBe(true);
      expect(((err as { details: { errors: unknown[] } }).details.errors)).toHaveLength(2);
    }
  });
  it('folds constants and keeps the plan of the top-level conjunction', () => {
    const f = compileFilter('1 + 1 == 2 and band in ["g", "r"] and cone(10, 20, 2 * 3) and mag < 19 and exists(xmatch.gaia.sep)');
    expect(f.plan.bands).toEqual(['g', 'r']);
    expect(f.plan.cone).toEqual({ ra: 10, dec: 20, radiusArcsec: 6 });
    expect(f.plan.ranges.get('mag')).toEqual({ lo: -Infinity, hi: 19, hiOpen: true });
    expect([...f.plan.required].sort()).toEqual(['band', 'mag', 'xmatch.gaia.sep']);
    // `1 + 1 == 2` is not one of the conditions the index decides.
    expect(f.plan.exact).toBe(false);
  });
  it('keeps the strictness of bounds, and says when the requirements are the whole filter', () => {
    const exact = compileFilter('band in ["g", "r"] and mag < 19 and between(snr, 5, 50) and 0.5 <= reliability and isPositive and not exists(xmatch.gaia.sep) and exists(magErr) and cone(1, 2, 3)').plan;
    expect(exact.exact).toBe(true);
    expect(exact.ranges.get('mag')).toEqual({ lo: -Infinity, hi: 19, hiOpen: true });
    expect(exact.ranges.get('snr')).toEqual({ lo: 5, hi: 50 });
    expect(exact.ranges.get('reliability')).toEqual({ lo: 0.5, hi: Infinity });
    expect(compileFilter('mag < 19 and mag <= 18').plan.ranges.get('mag')).toEqual({ lo: -Infinity, hi: 18 });
    expect(compileFilter('mag <= 18 and mag < 18').plan.ranges.get('mag')).toEqual({ lo: -Infinity, hi: 18, hiOpen: true });
    expect(compileFilter('mag > 15 and 18 > mag and mag >= 15').plan.ranges.get('mag')).toEqual({ lo: 15, hi: 18, loOpen: true, hiOpen: true });
    expect(compileFilter('watchlist.hit("bright") and inmap("field") and mag < 19').plan.exact).toBe(true);
    const magnitude = compileFilter('abs(magErr) < 0.1 and 2 >= abs(snr)').plan;
    expect(magnitude.exact).toBe(true);
    expect(magnitude.ranges.get('magErr')).toEqual({ lo: -0.1, hi: 0.1, loOpen: true, hiOpen: true });
    expect(magnitude.ranges.get('snr')).toEqual({ lo: -2, hi: 2 });
    for (const partial of ['mag < 19 and (snr > 5 or isPositive)', 'abs(magErr) > 1 and mag < 19', 'cone(1, 2, 3) and cone(4, 5, 6)', 'mag < 19 and abs(magErr + 1) < 1', 'exists(mag + 1)', 'mag < 19 and band != "g"']) {
      expect(compileFilter(partial).plan.exact, partial).toBe(false);
    }
  });
  it('does not require what a negation or a disjunction leaves optional', () => {
    expect([...compileFilter('not exists(xmatch.gaia.sep)').plan.required]).toEqual([]);
    expect([...compileFilter('(mag < 1 and snr > 2) or (mag > 20 and fluxErr > 1)').plan.required]).toEqual(['mag']);
    expect([...compileFilter('(mag < 1 and snr > 2) == false').plan.required]).toEqual([]);
  });
});

describe('explain', () => {
  it('shows each node\'s source and value', () => {
    const tree = explainFilter('mag < 19 and (magErr < 1 or band == "r")', plainAlert());
    expect(tree).toEqual({
      text: 'mag < 19 and (magErr < 1 or band == "r")', value: true, children: [
        { text: 'mag < 19', value: true, children: [{ text: 'mag', value: 18, children: [] }] },
        { text: '(magErr < 1 or band == "r")', value: true, children: [
          { text: 'magErr < 1', value: 'unknown', children: [{ text: 'magErr', value: 'missing', children: [] }] },
          { text: 'band == "r"', value: true, children: [{ text: 'band', value: 'r', children: [] }] },
        ] },
      ],
    });
    expect(formatExplain(tree).split('\n')[5]).toBe('      magErr  →  missing');
  });
});
