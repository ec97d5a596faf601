import { beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/types.js';
import { grammarFilter, realisticFilter, scienceFilter, seededRandom } from '../../../src/filter/lang/generate.js';
import { compileFilter, validateFilter } from '../../../src/filter/lang/index.js';
import { SkyGrid } from '../../../src/filter/lang/sky-cells.js';
import { FilterMatcher } from '../../../src/filter/matcher.js';
import { annotated, plainAlert, realAlerts } from './support.js';

let alerts: Alert[];

beforeAll(async () => {
  const real = await realAlerts();
  expect(real.length).toBeGreaterThanOrEqual(20);
  // Each real alert as sent, and again with annotations; plus copies moved around the sky.
  alerts = [...real, ...real.map(annotated), ...real.map((a, i) => annotated({ ...a, ra: (a.ra + 180) % 360, dec: -a.dec }, i + 1))];
});

/** Brute force, without the index: every filter on every alert. */
function bruteForce(matcher: FilterMatcher, alert: Alert): string[] {
  return matcher.matchAll(alert).sort();
}

function evaluations(matcher: FilterMatcher): number {
  return matcher.keys().reduce((n, k) => n + matcher.stats(k)!.evaluated, 0);
}

describe('FilterMatcher index', () => {
  it('returns exactly the brute-force matches for realistic filters on real alerts', () => {
    const rnd = seededRandom(7);
    const positions = alerts.map((a) => ({ ra: a.ra, dec: a.dec }));
    const matcher = new FilterMatcher();
    for (let i = 0; i < 2000; i++) {
      const text = realisticFilter(rnd, positions);
      const r = validateFilter(text);
      expect(r.errors, text).toEqual([]);
      matcher.upsert(`f${i}@1`, text, i % 2 === 0 ? 'ana' : 'bob');
    }
    let total = 0;
    const anchors = new Set(matcher.keys().map((k) => matcher.anchorOf(k)?.kind));
    for (const kind of ['cone', 'equals', 'present', 'range', 'always']) expect(anchors).toContain(kind);
    for (const alert of alerts) {
      const indexed = matcher.match(alert).sort();
      expect(indexed).toEqual(bruteForce(matcher, alert));
      total += indexed.length;
    }
    expect(total).toBeGreaterThan(100);
  });

  it('returns exactly the brute-force matches for random grammar filters', () => {
    const rnd = seededRandom(11);
    const matcher = new FilterMatcher();
    let added = 0;
    for (let i = 0; added < 400 && i < 100_000; i++) {
      const text = grammarFilter(rnd);
      if (!validateFilter(text).ok) continue;
      matcher.upsert(`g${i}@1`, text);
      added++;
    }
    expect(added).toBe(400);
    let total = 0;
    for (const alert of alerts) {
      const indexed = matcher.match(alert).sort();
      expect(indexed).toEqual(bruteForce(matcher, alert));
      total += indexed.length;
    }
    expect(total).toBeGreaterThan(0);
  });

  it('returns exactly the brute-force matches for science-case filters, proposing little more than the matches', () => {
    const rnd = seededRandom(23);
    const targets = { positions: alerts.map((a) => ({ ra: a.ra, dec: a.dec })), objectIds: alerts.map((a) => a.objectId) };
    const matcher = new FilterMatcher();
    for (let i = 0; i < 2000; i++) matcher.upsert(`s${i}@1`, scienceFilter(rnd, targets), i % 2 === 0 ? 'ana' : 'bob');
    const indexed = alerts.map((alert) => matcher.match(alert).sort());
    // Of 2,000 filters on each alert, the index proposes (and the matcher evaluates) a few per cent more than match.
    const proposed = evaluations(matcher);
    const matches = indexed.flat().length;
    expect(matches).toBeGreaterThan(20);
    expect(proposed).toBeLessThan(matches * 1.2);
    alerts.forEach((alert, i) => expect(indexed[i]).toEqual(bruteForce(matcher, alert)));
  });

  it('stays exact while filters are added and removed between alerts, before and after the index is laid out again', () => {
    const rnd = seededRandom(31);
    const targets = { positions: alerts.map((a) => ({ ra: a.ra, dec: a.dec })), objectIds: alerts.map((a) => a.objectId) };
    const matcher = new FilterMatcher({ sampleSize: 64 });
    let next = 0;
    const live: string[] = [];
    const add = (n: number) => {
      for (let i = 0; i < n; i++, next++) {
        matcher.upsert(`c${next}`, next % 3 === 0 ? realisticFilter(rnd, targets.positions) : scienceFilter(rnd, targets), next % 2 === 0 ? 'ana' : 'bob');
        live.push(`c${next}`);
      }
    };
    add(400);
    let total = 0;
    for (let round = 0; round < 12; round++) {
      // A few changes (pending until the next layout), or many (laid out at once).
      add(round % 4 === 3 ? 120 : 3);
      for (let i = 0; i < (round % 4 === 3 ? 60 : 2); i++) matcher.remove(live.splice(Math.floor(rnd() * live.length), 1)[0]!);
      for (const alert of alerts) {
        const indexed = matcher.match(alert).sort();
        expect(indexed).toEqual(bruteForce(matcher, alert));
        total += indexed.length;
      }
    }
    expect(matcher.size).toBe(live.length);
    expect(total).toBeGreaterThan(100);
  });

  it('proposes no filter whose necessary range, equality, required field or boolean the alert fails', () => {
    const m = new FilterMatcher();
    m.upsert('f', 'band == "r" and mag < 19 and snr > 5 and exists(xmatch.gaia.sep) and objectId in ["A", "B"] and isPositive and not exists(anomaly.score)');
    const base = { objectId: 'A', band: 'r', mag: 18, snr: 10, xmatch: { gaia: { sep: 1 } }, isPositive: true } as Partial<Alert>;
    expect(m.match(plainAlert(base))).toEqual(['f']);
    const failing: Partial<Alert>[] = [{ band: 'g' }, { mag: 19.5 }, { mag: null }, { snr: 4 }, { xmatch: {} }, { objectId: 'C' }, { isPositive: false }, { isPositive: null }, { anomaly: { score: 0.5, model: 'm' } }];
    for (const change of failing) {
      const alert = plainAlert({ ...base, ...change });
      expect(m.candidates(alert), JSON.stringify(change)).toEqual([]);
      expect(m.match(alert), JSON.stringify(change)).toEqual([]);
    }
    expect(m.candidates(plainAlert({ ...base, objectId: 'B', mag: 17 }))).toEqual(['f']);
    // Only the first alert reached the filter itself.
    expect(m.stats('f')).toMatchObject({ evaluated: 1, matched: 1 });
  });

  it('proposes a few candidates more than match where numeric buckets are coarse, and evaluation decides', () => {
    const m = new FilterMatcher();
    // 100 distinct thresholds are more than a numeric dimension separates: candidates near a
    // threshold may fail it (the anchor is the snr range, which every alert passes).
    for (let i = 0; i < 100; i++) m.upsert(`m${i}`, `snr > 5 and mag < ${(15 + i * 0.05).toFixed(2)}`);
    let proposed = 0;
    let matched = 0;
    let evaluated = 0;
    for (let mag = 14.9; mag < 20.1; mag += 0.013) {
      const alert = plainAlert({ mag, snr: 10 });
      const before = evaluations(m);
      const matches = m.match(alert).sort();
      evaluated += evaluations(m) - before;
      const candidates = m.candidates(alert);
      expect(matches).toEqual(bruteForce(m, alert));
      expect(candidates).toEqual(expect.arrayContaining(matches));
      proposed += candidates.length;
      matched += matches.length;
    }
    expect(matched).toBeGreaterThan(1000);
    expect(evaluated).toBe(proposed);
    expect(proposed).toBeGreaterThan(matched);
    // 64 buckets over 100 thresholds: about one false candidate per alert, of 100 filters.
    expect(proposed - matched).toBeLessThan((matched / 100) * 5);
  });

  it('decides filters without evaluating them exactly at their bounds, with few or many thresholds', () => {
    for (const extra of [0, 80]) {
      const m = new FilterMatcher();
      const ops = ['mag < 19', 'mag <= 19', 'mag > 19', 'mag >= 19', 'between(mag, 19, 20)', '19 < mag and mag < 20 and isPositive', 'mag > 19 and mag >= 19 and band in ["g", "r"]', 'cone(10, 20, 3) and mag <= 19'];
      ops.forEach((text, i) => m.upsert(`op${i}`, text));
      // Many distinct thresholds turn the mag dimension into coarse buckets.
      for (let i = 0; i < extra; i++) m.upsert(`x${i}`, `mag < ${(18.9 + i * 0.003).toFixed(3)}`);
      for (const mag of [18.99, 19 - 1e-12, 19, 19 + 1e-12, 19.5, 20, 20.01]) {
        for (const where of [{ ra: 10, dec: 20 }, { ra: 10, dec: 20 + 2.9 / 3600 }, { ra: 10, dec: 20 + 3.1 / 3600 }]) {
          const alert = plainAlert({ mag, ...where });
          const timeBefore = ops.map((_, i) => m.stats(`op${i}`)!.totalNs);
          const matched = m.match(alert).sort();
          // None of them was evaluated: the index decided each one.
          expect(ops.map((_, i) => m.stats(`op${i}`)!.totalNs)).toEqual(timeBefore);
          expect(matched, JSON.stringify({ mag, where, extra })).toEqual(bruteForce(m, alert));
        }
      }
    }
  });

  it('indexes watchlist and watchmap membership by the owner\'s names', () => {
    const m = new FilterMatcher();
    m.upsert('ana', 'watchlist.hit("bright") and mag < 30', 'ana');
    m.upsert('bob', 'watchlist.hit("bright") and mag < 30', 'bob');
    m.upsert('map', 'inmap("field") and mag < 30', 'ana');
    m.upsert('nobody', 'watchlist.hit("bright") and mag < 30');
    // Two lists required: the index keeps one, evaluation checks the other.
    m.upsert('both', 'watchlist.hit("bright") and watchlist.hit("faint")', 'ana');
    const alerts = [
      plainAlert({ watchlist: { hits: [{ list: 'ana/bright', name: 'x', sep: 1 }] } }),
      plainAlert({ watchlist: { hits: [{ list: 'bright', owner: 'bob', name: 'x', sep: 1 }] } }),
      plainAlert({ watchlist: { hits: [{ list: 'bright', name: 'x', sep: 1 }] }, watchmap: { hits: [{ map: 'ana/field' }] } }),
      plainAlert({ watchlist: { hits: [{ list: 'carl/bright', name: 'x', sep: 1 }] } }),
      plainAlert(),
      plainAlert({ watchlist: { hits: [{ list: 'bright', owner: 7, name: 'x', sep: 1 }, { list: 'faint', owner: 'ana', name: 'y', sep: 1 }, { list: 'ana/bright', name: 'z', sep: 1 }] } } as never),
      plainAlert({ watchlist: { hits: 'bright' } } as never),
    ];
    const matched = alerts.map((a) => m.match(a).sort());
    expect(matched).toEqual([['ana'], ['bob'], ['map', 'nobody'], [], [], ['ana', 'both'], []]);
    // The index matches a hit's list and owner as watchlist.hit does: ana's filter was proposed
    // for the alerts it matches (not bob's bright, not the ownerless bright, not carl's).
    expect(m.stats('ana')).toMatchObject({ evaluated: 2, matched: 2 });
    expect(m.stats('nobody')).toMatchObject({ evaluated: 1, matched: 1 });
    alerts.forEach((a, i) => expect(matched[i]).toEqual(bruteForce(m, a)));
  });

  it('indexes negated booleans and contradictions exactly', () => {
    const m = new FilterMatcher();
    m.upsert('neg', 'not isPositive and mag < 30');
    m.upsert('never', 'isPositive and not isPositive and mag < 30');
    m.upsert('missing', 'mag < 30 and not exists(xmatch.gaia.sep)');
    for (const isPositive of [true, false, null]) {
      for (const xmatch of [undefined, { gaia: { sep: 1 } }]) {
        const alert = plainAlert({ isPositive, ...(xmatch ? { xmatch } : {}) } as Partial<Alert>);
        expect(m.match(alert).sort(), JSON.stringify({ isPositive, xmatch })).toEqual(bruteForce(m, alert));
      }
    }
    expect(m.match(plainAlert({ isPositive: false }))).toEqual(['neg', 'missing']);
  });

  it('anchors on cones, equalities, annotations and ranges', () => {
    const m = new FilterMatcher();
    m.upsert('cone', 'cone(10, 20, 5) and mag < 19');
    m.upsert('id', 'objectId == "ZTF17aaarzyp" and band == "r"');
    m.upsert('band', 'band in ["g", "r"] and isPositive');
    m.upsert('xm', 'mag < 19 and xmatch.gaia.sep < 2');
    m.upsert('range', 'mag < 19 and snr > 3');
    m.upsert('always', 'not exists(xmatch.gaia.sep) or isPositive');
    expect(m.anchorOf('cone')?.kind).toBe('cone');
    expect(m.anchorOf('id')).toEqual({ kind: 'equals', path: 'objectId', values: ['ZTF17aaarzyp'] });
    expect(m.anchorOf('band')).toEqual({ kind: 'equals', path: 'band', values: ['g', 'r'] });
    expect(m.anchorOf('xm')).toEqual({ kind: 'present', path: 'xmatch.gaia.sep' });
    expect(m.anchorOf('range')?.kind).toBe('range');
    expect(m.anchorOf('always')?.kind).toBe('always');
    const a = plainAlert({ ra: 10, dec: 20 + 1 / 3600 });
    expect(m.match(a).sort()).toEqual(['always', 'band', 'cone', 'id', 'range']);
    expect(m.match({ ...a, xmatch: { gaia: { sep: 1 } } } as Alert).sort()).toEqual(['always', 'band', 'cone', 'id', 'range', 'xm']);
  });

  it('files a filter only under the surveys it can match', () => {
    const m = new FilterMatcher();
    m.upsert('z', 'ztf.candidate.drb > 0.5');
    m.upsert('never', 'ztf.candidate.drb > 0.5 and lsst.diaSource.snr > 1');
    const ztf = plainAlert({ ztf: { candidate: { drb: 0.9 } } });
    expect(m.match(ztf)).toEqual(['z']);
    expect(m.match({ ...ztf, survey: 'lsst' })).toEqual([]);
    expect(m.stats('never')).toMatchObject({ evaluated: 0 });
    expect(m.stats('z')).toMatchObject({ evaluated: 1, matched: 1 });
  });

  it('replaces versions by id and removes filters', () => {
    const m = new FilterMatcher();
    const k1 = m.setVersion('f', 1, 'mag < 19');
    expect(m.match(plainAlert())).toEqual([k1]);
    const k2 = m.setVersion('f', 2, 'mag > 19');
    expect(m.keys()).toEqual([k2]);
    expect(m.match(plainAlert())).toEqual([]);
    expect(m.match(plainAlert({ mag: 20 }))).toEqual(['f@2']);
    m.removeId('f');
    expect(m.size).toBe(0);
    expect(m.match(plainAlert({ mag: 20 }))).toEqual([]);
    expect(() => m.upsert('bad', 'mag <')).toThrow(/Expected expression/);
    expect(m.size).toBe(0);
  });

  it('passes the owner to per-owner functions', () => {
    const m = new FilterMatcher();
    m.upsert('ana', 'watchlist.hit("bright")', 'ana');
    m.upsert('bob', 'watchlist.hit("bright")', 'bob');
    expect(m.match(plainAlert({ watchlist: { hits: [{ list: 'ana/bright', name: 'x', sep: 1 }] } }))).toEqual(['ana']);
  });

  it('keeps per-filter counters', () => {
    const m = new FilterMatcher();
    // `a` is decided by the index alone (its requirements are the whole filter); `b` is evaluated.
    m.upsert('a', 'mag < 19');
    m.upsert('b', 'mag < 19 and abs(mag) > 17.5');
    for (const mag of [17, 18, 19, 20]) m.match(plainAlert({ mag }));
    expect(m.stats('a')).toMatchObject({ evaluated: 3, matched: 2, errors: 0, totalNs: 0 });
    const b = m.stats('b')!;
    expect(b).toMatchObject({ evaluated: 3, matched: 1, errors: 0 });
    expect(b.totalNs).toBeGreaterThan(0);
  });

  it('accepts an already compiled filter', () => {
    const m = new FilterMatcher();
    m.upsert('c', compileFilter('mag < 19'));
    expect(m.match(plainAlert())).toEqual(['c']);
  });
});

describe('sky grid', () => {
  const grid = new SkyGrid(1);
  it('lists the cell of every position inside a cone', () => {
    const rnd = seededRandom(3);
    for (let i = 0; i < 2000; i++) {
      const ra = rnd() * 360;
      const dec = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
      const radius = [1, 60, 3600, 20000][i % 4]!;
      const cells = new Set(grid.cellsOfCone(ra, dec, radius, 100_000));
      // Points on the cone's edge in 16 directions, and its centre.
      for (let k = 0; k <= 16; k++) {
        const angle = (k / 16) * 2 * Math.PI;
        const r = k === 16 ? 0 : (radius / 3600) * 0.999;
        const pDec = Math.max(-90, Math.min(90, dec + r * Math.cos(angle)));
        const pRa = ra + (r * Math.sin(angle)) / Math.max(1e-9, Math.cos((pDec * Math.PI) / 180));
        const inside = compileFilter(`cone(${ra}, ${dec}, ${radius})`).evaluate(plainAlert({ ra: ((pRa % 360) + 360) % 360, dec: pDec }));
        if (inside) expect(cells.has(grid.cellOf(((pRa % 360) + 360) % 360, pDec)!)).toBe(true);
      }
    }
  });
  it('wraps RA at 0/360 and covers the poles', () => {
    // Straddles RA 0 and dec 0: two RA cells in each of two declination bands.
    expect(grid.cellsOfCone(0.0001, 0, 2)!.length).toBe(4);
    expect(grid.cellsOfCone(0.0001, 0.5, 2)!.length).toBe(2);
    expect(grid.cellsOfCone(0, 89.9999, 2)!.length).toBeGreaterThan(1);
    expect(grid.cellOf(NaN, 0)).toBeUndefined();
    expect(grid.cellsOfCone(0, 0, 720_000)).toBeUndefined();
  });
});
