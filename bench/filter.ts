/**
 * Filter-matcher benchmark: throughput of FilterMatcher with 100, 1,000 and 10,000 filters from
 * two generators (src/filter/lang/generate.ts): `science`, filters for the science cases users
 * run with cuts as tight as scientists tune them, and `loose`, the same kinds of terms mixed
 * loosely (a few per cent of alerts each). The alerts are real: the 25 alerts of ../shared/data
 * and the ~1,200 alerts rebuilt from their histories (bench/history-alerts.ts), replayed as
 * 2,000; every alert but the 25 real ones stands for an object of its own at a random sky
 * position (so cones are spread over the sky as in a live stream). Light-curve features are computed from their real light
 * curves; crossmatch, anomaly and watchlist annotations are stand-ins on a share of them. One
 * core (this process), a warm-up pass, then the median of >=5 timed passes of at least 300 ms,
 * the filter counts taking turns pass by pass. The per-filter match
 * rate (median, 90th percentile) shows how selective each generator is.
 *   node --expose-gc --import tsx bench/filter.ts [--runs 7] [--counts 1000,10000] [--generators science,loose]
 * Writes bench/results/filter.json (full runs only).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Alert } from '../src/alert/types.js';
import { lightCurveFeatures } from '../src/annotate/features.js';
import { realisticFilter, scienceFilter, seededRandom, type Random, type Targets } from '../src/filter/lang/generate.js';
import { FilterMatcher } from '../src/filter/matcher.js';
import { historyAlerts } from './history-alerts.js';

const option = (name: string): string | undefined => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const runs = Math.max(5, Number(option('--runs')) || 7);
const COUNTS = (option('--counts') ?? '100,1000,10000').split(',').map(Number);
const GENERATORS = (option('--generators') ?? 'science,loose').split(',');
const ALERTS = 2_000;
const gc = (globalThis as { gc?: () => void }).gc;

const generators: Record<string, (rnd: Random, targets: Targets) => string> = {
  science: scienceFilter,
  loose: (rnd, targets) => realisticFilter(rnd, targets.positions),
};

/**
 * The replayed stream. The real alerts stay where they are; every other alert (a rebuilt one or
 * a copy) stands for an object of its own at a random sky position, as in a night's stream where
 * most objects alert once or twice, instead of hundreds of alerts piled on 25 positions.
 */
function streamOf(real: Alert[], history: Alert[]): Alert[] {
  const rnd = seededRandom(42);
  const distinct = [...real, ...history];
  const features = distinct.map((a) => lightCurveFeatures(a) as Record<string, unknown>);
  return Array.from({ length: ALERTS }, (_, i) => {
    const k = i % distinct.length;
    const a: Alert = { ...distinct[k]!, lc: features[k] };
    if (i >= real.length) {
      a.ra = rnd() * 360;
      a.dec = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
      a.objectId = `${a.objectId}-${i}`;
    }
    if (i % 5 === 0) a.xmatch = { gaia: { sep: rnd() * 3, id: `g${i}`, count: 1, ra: a.ra, dec: a.dec } };
    // Scores as a trained model gives them: most near 0.4-0.5, a thin tail of unusual alerts.
    a.anomaly = { score: Math.min(1, 0.4 + 0.06 * -Math.log(1 - rnd())), model: 'bench' };
    if (i % 50 === 0) a.watchlist = { hits: [{ list: 'u1/bright', name: `s${i}`, sep: 1 }] };
    return a;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Shortest timed pass (ms): a pass replays the stream as many times as that takes, so a fast matcher's figure is not one scheduler slice. */
const MIN_PASS_MS = 300;

/** Replays of the stream that make one timed pass last at least MIN_PASS_MS; runs the warm-up pass, returning its match count too. */
function warmUp(stream: Alert[], match: (a: Alert) => string[]): { replays: number; matches: number } {
  let matches = 0;
  const w0 = performance.now();
  for (const a of stream) matches += match(a).length;
  return { replays: Math.max(1, Math.ceil(MIN_PASS_MS / Math.max(1, performance.now() - w0))), matches };
}

/** One timed pass: alerts per second. */
function timePass(stream: Alert[], match: (a: Alert) => string[], replays: number): number {
  const t0 = performance.now();
  for (let k = 0; k < replays; k++) for (const a of stream) match(a);
  return Math.round((replays * stream.length) / ((performance.now() - t0) / 1000));
}

/**
 * Times `passes` passes of each matcher, taking them in turn (1,000 filters, then 10,000, then
 * 1,000 again...), so a change in the machine's load falls on all of them alike.
 */
function interleaved(stream: Alert[], matchers: ((a: Alert) => string[])[], passes: number): { rates: number[][]; matches: number[]; replays: number[] } {
  const warm = matchers.map((m) => warmUp(stream, m));
  const rates: number[][] = matchers.map(() => []);
  for (let r = 0; r < passes; r++) matchers.forEach((m, i) => rates[i]!.push(timePass(stream, m, warm[i]!.replays)));
  return { rates, matches: warm.map((w) => w.matches), replays: warm.map((w) => w.replays) };
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

async function main(): Promise<void> {
  const { real, history } = await historyAlerts();
  const stream = streamOf(real, history);
  const targets: Targets = { positions: stream.map((a) => ({ ra: a.ra, dec: a.dec })), objectIds: [...new Set(stream.map((a) => a.objectId))] };
  const all: Record<string, unknown> = {};
  const ratios: Record<string, number> = {};
  const indexRatios: Record<string, number> = {};
  const pairRatios: Record<string, number> = {};
  const medianAt: Record<string, Record<number, number>> = {};
  for (const generator of GENERATORS) {
  const results: Record<string, unknown> = {};
  const medians: Record<number, number> = (medianAt[generator] = {});
  const indexMedians: Record<number, number> = {};
  const setups = COUNTS.map((count) => {
    const rnd = seededRandom(count);
    gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const matcher = new FilterMatcher();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) matcher.upsert(`f${i}@1`, generators[generator]!(rnd, targets), `u${i % 50}`);
    const compileMs = performance.now() - t0;
    for (const a of stream) matcher.candidates(a); // lays the index out
    gc?.();
    // The compiled filters and the laid-out index (with --expose-gc; without it, garbage too).
    const heapMB = Number(((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(1));
    return { count, matcher, compileMs, heapMB };
  });
  const indexed = interleaved(stream, setups.map(({ matcher }) => (a: Alert) => matcher.match(a)), runs);
  // Counters of the indexed passes only (read before the brute-force passes, which count too).
  const counters = setups.map(({ matcher }, i) => {
    const alertsSeen = stream.length * (1 + runs * indexed.replays[i]!);
    const evaluated = matcher.keys().reduce((n, k) => n + matcher.stats(k)!.evaluated, 0);
    return { alertsSeen, evaluated, rates: matcher.keys().map((k) => matcher.stats(k)!.matched / alertsSeen) };
  });
  // The index alone: the candidates of each alert, without evaluating them.
  const indexOnly = interleaved(stream, setups.map(({ matcher }) => (a: Alert) => matcher.candidates(a)), runs);
  setups.forEach(({ count, matcher, compileMs, heapMB }, i) => {
    const anchors: Record<string, number> = {};
    for (const key of matcher.keys()) {
      const kind = matcher.anchorOf(key)?.kind ?? 'no survey';
      anchors[kind] = (anchors[kind] ?? 0) + 1;
    }
    const { alertsSeen, evaluated, rates } = counters[i]!;
    medians[count] = median(indexed.rates[i]!);
    indexMedians[count] = median(indexOnly.rates[i]!);
    const brute = count <= 1_000 ? interleaved(stream, [(a: Alert) => matcher.matchAll(a)], Math.min(runs, 5)).rates[0]! : undefined;
    results[String(count)] = {
      filters: count,
      matchRatePerFilter: { median: Number(quantile(rates, 0.5).toFixed(5)), p90: Number(quantile(rates, 0.9).toFixed(5)), mean: Number((rates.reduce((a, b) => a + b, 0) / rates.length).toFixed(5)), overOnePercent: rates.filter((r) => r > 0.01).length },
      matchesPerAlert: Number((indexed.matches[i]! / stream.length).toFixed(2)),
      compileMsPerFilter: Number((compileMs / count).toFixed(3)),
      heapMB,
      anchors,
      alertsPerSecond: indexed.rates[i],
      medianAlertsPerSecond: medians[count],
      matchesPerPass: indexed.matches[i],
      candidatesPerAlert: Number((evaluated / alertsSeen).toFixed(1)),
      indexOnlyMedianAlertsPerSecond: indexMedians[count],
      ...(brute ? { bruteForceMedianAlertsPerSecond: median(brute) } : {}),
    };
    console.log(generator, count, JSON.stringify(results[String(count)]));
  });
  // The same ratio pass by pass (each 10,000-filter pass against the 1,000-filter pass just before it).
  const at1k = COUNTS.indexOf(1_000);
  const at10k = COUNTS.indexOf(10_000);
  if (at1k >= 0 && at10k >= 0) pairRatios[generator] = Number(median(indexed.rates[at1k]!.map((r, k) => r / indexed.rates[at10k]![k]!)).toFixed(2));
  all[generator] = results;
  if (medians[1_000] && medians[10_000]) ratios[generator] = Number((medians[1_000] / medians[10_000]).toFixed(2));
  if (indexMedians[1_000] && indexMedians[10_000]) indexRatios[generator] = Number((indexMedians[1_000] / indexMedians[10_000]).toFixed(2));
  }
  const science = medianAt.science ?? {};
  const out = {
    machine: { cpus: cpus().length, node: process.version, cores: 1, loadAverage: loadavg()[0] },
    date: new Date().toISOString(),
    alerts: { count: stream.length, distinct: real.length + history.length, realAlerts: real.length, historyAlerts: history.length, note: 'real alerts and the alerts rebuilt from their histories, replayed as 2,000 (copies moved to random sky positions), lc features from their light curves, stand-in annotations' },
    runs,
    results: all,
    costRatio10kVs1k: ratios,
    costRatio10kVs1kPerPass: pairRatios,
    indexCostRatio10kVs1k: indexRatios,
    targets: {
      '1000 science filters >= 2000 alerts/s': science[1_000] !== undefined ? science[1_000] >= 2_000 : null,
      '10000 science filters <= 2x cost of 1000': ratios.science !== undefined ? ratios.science <= 2 : null,
    },
  };
  // A partial run (--counts or --generators) is for exploring; only the full set is kept.
  if (!option('--counts') && !option('--generators')) {
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/filter.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  }
  console.log(JSON.stringify({ costRatio10kVs1k: out.costRatio10kVs1k, costRatio10kVs1kPerPass: pairRatios, indexCostRatio10kVs1k: out.indexCostRatio10kVs1k, targets: out.targets }));
}

await main();
