import { describe, expect, it } from 'vitest';
import { parseWatchlistCsv, splitCsvLine } from '../../../src/annotate/watch/csv.js';
import { isNightjarError, type NightjarError } from '../../../src/errors/index.js';

function failure(text: string, options = {}): NightjarError {
  try {
    parseWatchlistCsv(text, options);
  } catch (err) {
    if (isNightjarError(err)) return err;
    throw err;
  }
  throw new Error('expected the upload to be refused');
}

describe('watchlist CSV uploads', () => {
  it('reads columns in any order and case, fills missing radii with the default, ignores blank lines and extra columns', () => {
    const entries = parseWatchlistCsv('Dec,RA,name,radius,comment\n-16.7161,101.2871,Sirius,2.5,bright\n\n41.2692,10.6847,"M31, core",,galaxy\n', { defaultRadiusArcsec: 7 });
    expect(entries.names).toEqual(['Sirius', 'M31, core']);
    expect([...entries.ra]).toEqual([101.2871, 10.6847]);
    expect([...entries.dec]).toEqual([-16.7161, 41.2692]);
    expect([...entries.radius]).toEqual([2.5, 7]);
  });

  it('uses 5″ when the file has no radius column and no default is given', () => {
    expect([...parseWatchlistCsv('name,ra,dec\na,1,2\r\nb,3,4\r\n').radius]).toEqual([5, 5]);
  });

  it('reports every bad row with its line number', () => {
    const text = [
      'name,ra,dec,radius', // line 1
      'ok,10,10,1',
      'nan-ra,ten,10,1', // 3
      'south,10,-91,1', // 4
      'zero,10,10,0', // 5
      'wide,10,10,3601', // 6
      ',10,10,1', // 7: empty name
      'ok2,360,90,3600',
      'neg-ra,-0.5,0,1', // 9
      'radius-text,1,1,abc', // 10
    ].join('\n');
    const err = failure(text);
    expect(err.code).toBe('WATCHLIST_INVALID');
    const errors = err.details.errors as { line: number; message: string }[];
    expect(errors.map((e) => e.line)).toEqual([3, 4, 5, 6, 7, 9, 10]);
    expect(errors[0]!.message).toMatch(/ra "ten" is not a number/);
    expect(errors[1]!.message).toMatch(/dec -91 is outside/);
    expect(errors[2]!.message).toMatch(/radius 0 is outside/);
    expect(errors[3]!.message).toMatch(/radius 3601 is outside/);
    expect(errors[4]!.message).toMatch(/name is empty/);
    expect(err.message).toMatch(/line 3: ra "ten"/);
    expect(err.message).toMatch(/line 10: radius "abc"/);
  });

  it('refuses a header without name, ra and dec, an empty file and a file with no entries', () => {
    expect(failure('id,ra,dec\n1,2,3').message).toMatch(/line 1: the header must name/);
    expect(failure('\n\n').message).toMatch(/empty/);
    expect(failure('name,ra,dec\n').message).toMatch(/no entries/);
  });

  it('enforces the entry limit', () => {
    const rows = ['name,ra,dec', ...Array.from({ length: 11 }, (_, i) => `s${i},${i},0`)].join('\n');
    expect(parseWatchlistCsv(rows, { maxEntries: 11 }).names).toHaveLength(11);
    expect(failure(rows, { maxEntries: 10 }).message).toMatch(/more than 10 entries \(line 12\)/);
  });

  it('splits quoted cells with commas and doubled quotes', () => {
    expect(splitCsvLine('"a ""b"", c",1,,2')).toEqual(['a "b", c', '1', '', '2']);
  });
});
