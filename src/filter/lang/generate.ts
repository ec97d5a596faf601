import { concretePaths } from '../../alert/catalogue.js';
import { bands } from '../../alert/types.js';
import { allFunctions } from './functions.js';

/**
 * Filter generators for tests, the benchmark and the fuzzer (seeded, so runs repeat):
 * `scienceFilter` writes filters for the science cases users run (a source or field to watch,
 * bright young transients, fast risers, nuclear transients, anomalies, ...), with cuts as tight
 * as a scientist tunes them to get a manageable number of alerts; `realisticFilter` mixes the
 * same kinds of terms loosely (each filter matching a few per cent of alerts, up to the runaway
 * guard's limit); `grammarFilter` writes arbitrary expressions of the grammar, valid or not;
 * `mutate` damages a text byte by byte.
 */
export type Random = () => number;

/** mulberry32: a small, fast seeded generator. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: Random, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const uniform = (rnd: Random, lo: number, hi: number, digits = 2): string => (lo + rnd() * (hi - lo)).toFixed(digits);

export interface Position {
  ra: number;
  dec: number;
}

const cuts: ((rnd: Random) => string)[] = [
  (r) => `mag < ${uniform(r, 16, 21)}`,
  (r) => `mag > ${uniform(r, 12, 16)}`,
  (r) => `reliability > ${uniform(r, 0.3, 0.95)}`,
  (r) => `snr > ${uniform(r, 3, 20, 1)}`,
  (r) => `magErr < ${uniform(r, 0.05, 0.3)}`,
  () => 'isPositive',
  (r) => `between(mag, ${uniform(r, 14, 17)}, ${uniform(r, 18, 21)})`,
  (r) => `ztf.candidate.drb > ${uniform(r, 0.5, 0.99)}`,
  (r) => `ztf.candidate.ndethist >= ${Math.floor(r() * 5) + 1}`,
  (r) => `ztf.candidate.sgscore1 < ${uniform(r, 0.2, 0.8)}`,
  (r) => `lsst.diaSource.snr > ${uniform(r, 5, 50, 1)}`,
  (r) => `lsst.diaSource.psfFlux > ${Math.floor(r() * 5000)}`,
];

const bandTests: ((rnd: Random) => string)[] = [
  (r) => `band == "${pick(r, ['g', 'r', 'i'])}"`,
  (r) => `band in ["${pick(r, bands)}", "${pick(r, bands)}"]`,
];

const lightCurve: ((rnd: Random) => string)[] = [
  (r) => `ndet() >= ${Math.floor(r() * 10) + 1}`,
  (r) => `ndet("${pick(r, ['g', 'r', 'i'])}") >= ${Math.floor(r() * 4) + 1}`,
  (r) => `age() < ${uniform(r, 1, 60, 1)}`,
  (r) => `dmdt("${pick(r, ['g', 'r', 'i'])}") < ${uniform(r, -0.5, 0)}`,
  (r) => `abs(dmdt("${pick(r, ['g', 'r'])}")) > ${uniform(r, 0.01, 0.3)}`,
  (r) => `hasUpperLimitBefore(${Math.floor(r() * 10) + 1})`,
  (r) => `not hasUpperLimitBefore(${Math.floor(r() * 10) + 1})`,
];

const annotations: ((rnd: Random) => string)[] = [
  (r) => `xmatch.gaia.sep < ${uniform(r, 0.5, 5, 1)}`,
  () => 'not exists(xmatch.gaia.sep)',
  (r) => `anomaly.score > ${uniform(r, 0.5, 0.9)}`,
  (r) => `lc.${pick(r, ['g', 'r', 'all'])}.ndet >= ${Math.floor(r() * 5) + 2}`,
  (r) => `lc.all.amplitude > ${uniform(r, 0.2, 2)}`,
  () => 'watchlist.hit("bright")',
];

function cone(rnd: Random, positions: readonly Position[]): string {
  // Half the cones sit on a known source (so some match), half anywhere on the sky.
  const near = positions.length > 0 && rnd() < 0.5;
  const p = near ? pick(rnd, positions) : { ra: rnd() * 360, dec: (Math.asin(2 * rnd() - 1) * 180) / Math.PI };
  const radius = pick(rnd, [2, 5, 30, 60, 300, 1800]);
  return `cone(${p.ra.toFixed(5)}, ${p.dec.toFixed(5)}, ${radius})`;
}

/** A filter of the kind users write: a few cuts, often a cone, a light-curve test or an annotation. */
export function realisticFilter(rnd: Random, positions: readonly Position[] = []): string {
  const parts: string[] = [];
  const kind = rnd();
  if (kind < 0.4) parts.push(cone(rnd, positions));
  else if (kind < 0.6) parts.push(pick(rnd, annotations)(rnd));
  else if (kind < 0.8) parts.push(pick(rnd, bandTests)(rnd));
  // Real filters combine several cuts (brightness, quality, history), which keeps them selective.
  const extra = 2 + Math.floor(rnd() * 3);
  for (let i = 0; i < extra; i++) {
    const roll = rnd();
    parts.push(roll < 0.6 ? pick(rnd, cuts)(rnd) : roll < 0.85 ? pick(rnd, lightCurve)(rnd) : pick(rnd, annotations)(rnd));
  }
  if (rnd() < 0.2) parts.push(`(${pick(rnd, cuts)(rnd)} or ${pick(rnd, lightCurve)(rnd)})`);
  return parts.join(' and ');
}

/** What a science-case template may aim at: positions and object ids of alerts seen. */
export interface Targets {
  positions: readonly Position[];
  objectIds?: readonly string[];
}

const someBand = (r: Random): string => pick(r, ['g', 'r', 'i', 'z']);
const int = (r: Random, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

function anywhere(rnd: Random): Position {
  return { ra: rnd() * 360, dec: (Math.asin(2 * rnd() - 1) * 180) / Math.PI };
}

const coneAround = (p: Position, radius: number): string => `cone(${p.ra.toFixed(5)}, ${p.dec.toFixed(5)}, ${radius})`;

/** Science cases, each with its thresholds drawn from the range scientists use. */
const scienceCases: ((r: Random, t: Targets) => string)[] = [
  // Follow a known source: a small cone around it.
  (r, t) => `${coneAround(t.positions.length > 0 ? pick(r, t.positions) : anywhere(r), pick(r, [1, 1.5, 2, 3, 5]))} and reliability > ${uniform(r, 0.3, 0.7)}`,
  // A galaxy or field of interest: brighter positive detections within a wider cone.
  (r) => `${coneAround(anywhere(r), pick(r, [60, 120, 300, 900, 1800]))} and isPositive and mag < ${uniform(r, 18.5, 21)} and snr > ${uniform(r, 5, 10, 1)}`,
  // Objects by id (a target list of a few).
  (r, t) => (t.objectIds && t.objectIds.length > 0 ? `objectId in [${Array.from({ length: int(r, 1, 3) }, () => JSON.stringify(pick(r, t.objectIds!))).join(', ')}]` : `objectId == "ZTF${int(r, 17, 25)}aa${int(r, 100, 999)}"`),
  // Bright new transients.
  (r) => `isPositive and mag < ${uniform(r, 16.5, 18.5)} and reliability > ${uniform(r, 0.75, 0.95)} and lc.all.ndet <= ${int(r, 1, 3)}`,
  // Fast risers in one band.
  (r) => { const b = someBand(r); return `lc.${b}.riseRate > ${uniform(r, 0.3, 1.5)} and lc.${b}.ndet >= ${int(r, 2, 4)} and mag < ${uniform(r, 18.5, 21)} and isPositive`; },
  // Nuclear transients (ZTF's Pan-STARRS neighbour).
  (r) => `ztf.candidate.distpsnr1 < ${uniform(r, 0.3, 1)} and ztf.candidate.sgscore1 < ${uniform(r, 0.2, 0.5)} and isPositive and reliability > ${uniform(r, 0.6, 0.9)} and mag < ${uniform(r, 17.5, 19.5)} and lc.all.ndet <= ${int(r, 1, 4)}`,
  // Young supernova candidates offset from a galaxy.
  (r) => `between(ztf.candidate.distpsnr1, ${uniform(r, 0.5, 2)}, ${uniform(r, 5, 15)}) and ztf.candidate.sgscore1 < 0.5 and lc.all.daysSinceFirst < ${uniform(r, 5, 30, 1)} and mag < ${uniform(r, 18, 19.5)} and reliability > ${uniform(r, 0.5, 0.9)}`,
  // Anomalies the model flags, on reliable detections.
  (r) => `anomaly.score > ${uniform(r, 0.7, 0.95)} and reliability > ${uniform(r, 0.5, 0.9)}`,
  // Watchlist hits that are bright enough to follow.
  (r) => `watchlist.hit("bright") and mag < ${uniform(r, 17, 20)}`,
  // High signal-to-noise Rubin detections in one band with some history.
  (r) => { const b = someBand(r); return `lsst.diaSource.snr > ${uniform(r, 30, 200, 0)} and band == "${b}" and isPositive and lc.${b}.ndet >= ${int(r, 3, 20)}`; },
  // Large-amplitude variables in one band.
  (r) => { const b = someBand(r); return `band == "${b}" and lc.${b}.amplitude > ${uniform(r, 1.5, 4)} and lc.${b}.ndet >= ${int(r, 5, 30)} and mag < ${uniform(r, 17, 20)} and reliability > ${uniform(r, 0.5, 0.9)}`; },
  // Red and young.
  (r) => `lc.all.daysSinceFirst < ${uniform(r, 2, 10, 1)} and lc.colour.g_r.value > ${uniform(r, 0.8, 1.5)} and abs(lc.colour.g_r.dt) < 1 and mag < ${uniform(r, 18, 20)}`,
  // Bright known minor bodies (ZTF).
  (r) => `ztf.candidate.ssdistnr < ${uniform(r, 1, 5, 1)} and ztf.candidate.ssmagnr < ${uniform(r, 17, 20)}`,
  // Hostless (no Gaia source), bright and young.
  (r) => `not exists(xmatch.gaia.sep) and isPositive and mag < ${uniform(r, 16.5, 18.5)} and lc.all.daysSinceFirst < ${uniform(r, 1, 10, 1)} and reliability > ${uniform(r, 0.7, 0.95)}`,
  // Fading fast after a peak in one band.
  (r) => { const b = someBand(r); return `lc.${b}.fadeRate > ${uniform(r, 0.1, 0.5)} and lc.${b}.peakMag < ${uniform(r, 17, 19.5)} and band == "${b}"`; },
];

/**
 * A filter for one science case: a third watch a source, field or object, the rest select by
 * brightness, quality, history and annotations (see scienceCases).
 */
export function scienceFilter(rnd: Random, targets: Targets = { positions: [] }): string {
  const roll = rnd();
  const kind = roll < 0.2 ? 0 : roll < 0.3 ? 1 : roll < 0.35 ? 2 : 3 + Math.floor(rnd() * (scienceCases.length - 3));
  return scienceCases[kind]!(rnd, targets);
}

const operators = ['and', 'or', '&&', '||', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/', '%', 'in', '===', '&', '|', '**', '??'];
const prefixes = ['not ', '!', '-', '+', '~'];
const literals = ['0', '1', '-1', '2.5', '1e3', '1e999', '.5', '"r"', '"g"', "'x'", '""', 'true', 'false', 'null', '"\\u0000"', '"é"'];
const strange = ['this', 'constructor', '__proto__', 'prototype', 'process', 'globalThis', 'require', 'eval', 'Function', 'toString', 'valueOf', 'hasOwnProperty'];

/** An arbitrary expression of the grammar (and a little beyond it), valid or not. */
export function grammarFilter(rnd: Random, depth = 0): string {
  const roll = rnd();
  if (depth > 6 || roll < 0.3) return atom(rnd);
  if (roll < 0.55) return `${grammarFilter(rnd, depth + 1)} ${pick(rnd, operators)} ${grammarFilter(rnd, depth + 1)}`;
  if (roll < 0.65) return `${pick(rnd, prefixes)}${grammarFilter(rnd, depth + 1)}`;
  if (roll < 0.75) return `(${grammarFilter(rnd, depth + 1)})`;
  if (roll < 0.85) return `${grammarFilter(rnd, depth + 1)} in [${Array.from({ length: Math.floor(rnd() * 4) }, () => grammarFilter(rnd, depth + 2)).join(', ')}]`;
  const fn = pick(rnd, allFunctions());
  const arity = Math.max(0, fn.minArgs + Math.floor(rnd() * 3) - 1);
  return `${fn.name}(${Array.from({ length: arity }, () => grammarFilter(rnd, depth + 1)).join(', ')})`;
}

let pathCache: string[] | undefined;

function atom(rnd: Random): string {
  pathCache ??= concretePaths().filter((p) => !p.includes('{'));
  const roll = rnd();
  if (roll < 0.5) return pick(rnd, pathCache);
  if (roll < 0.85) return pick(rnd, literals);
  if (roll < 0.95) return pick(rnd, strange);
  return `${pick(rnd, pathCache)}.${pick(rnd, strange)}`;
}

const noise = ['(', ')', '[', ']', '"', "'", '\\', '.', ',', ';', '?', ':', '\u0000', '\ud800', '😀', ' ', 'not', '=', '!', '$', '`', '{', '}'];

/** Damages a text: deletes, duplicates, swaps and inserts characters. */
export function mutate(rnd: Random, text: string): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const roll = rnd();
    if (roll < 0.3) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 5));
    else if (roll < 0.55) s = s.slice(0, at) + pick(rnd, noise) + s.slice(at);
    else if (roll < 0.7) s = s.slice(0, at) + s.slice(at, at + 20).repeat(2 + Math.floor(rnd() * 3)) + s.slice(at + 20);
    else if (roll < 0.85) s = s.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 0x10000)) + s.slice(at + 1);
    else s = s.slice(0, at) + pick(rnd, strange) + s.slice(at);
  }
  return s;
}
