/**
 * Filter-matcher benchmark: throughput of FilterMatcher with 100, 1,000 and 10,000 realistic
 * filters (cuts, cones around sources, light-curve functions, annotations; see
 * src/filter/lang/generate.ts) on alerts decoded from the real files in ../shared/data by
 * src/ingest. The 25 real alerts are replayed as 2,000 alerts: the originals where they are, the
 * copies moved to random sky positions (so cones are spread over the sky as in a live stream), with
 * light-curve features computed from their real light curves and stand-in crossmatch, anomaly
 * and watchlist annotations on a share of them. One core (this process), a warm-up pass, then
 * the median of ≥5 timed passes.
 *   node --import tsx bench/filter.ts [--runs 7]
 * Writes bench/results/filter.json.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import '../src/alert/fields.js';
import '../src/annotate/fields.js';
import type { Alert } from '../src/alert/types.js';
import { lightCurveFeatures } from '../src/annotate/features.js';
import { loadConfig } from '../src/config/index.js';
import { realisticFilter, seededRandom } from '../src/filter/lang/generate.js';
import { FilterMatcher } from '../src/filter/matcher.js';
import { AlertDecoder } from '../src/ingest/index.js';

const DATA = new URL('../../shared/data/', import.meta.url).pathname;
const runs = Math.max(5, Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7);
const ALERTS = 2_000;

async function realAlerts(): Promise<Alert[]> {
  const decoder = new AlertDecoder({ config: loadConfig() });
  const out: Alert[] = [];
  for (const survey of ['ztf', 'lsst']) {
    for (const name of readdirSync(`${DATA}${survey}/alerts`).sort()) {
      for (const o of await decoder.decodeMessage(readFileSync(`${DATA}${survey}/alerts/${name}`))) if (o.ok) out.push(o.alert);
    }
  }
  return out;
}

function streamOf(real: Alert[]): Alert[] {
  const rnd = seededRandom(42);
  const features = real.map((a) => lightCurveFeatures(a) as Record<string, unknown>);
  return Array.from({ length: ALERTS }, (_, i) => {
    const k = i % real.length;
    const a: Alert = { ...real[k]!, lc: features[k] };
    if (i >= real.length) {
      a.ra = rnd() * 360;
      a.dec = (Math.asin(2 * rnd() - 1) * 180) / Math.PI;
    }
    if (i % 5 === 0) a.xmatch = { gaia: { sep: rnd() * 3, id: `g${i}`, count: 1, ra: a.ra, dec: a.dec } };
    if (i % 3 === 0) a.anomaly = { score: rnd(), model: 'bench' };
    if (i % 50 === 0) a.watchlist = { hits: [{ list: 'u1/bright', name: `s${i}`, sep: 1 }] };
    return a;
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timePasses(stream: Alert[], match: (a: Alert) => string[], passes: number): { ratesPerSecond: number[]; matches: number } {
  let matches = 0;
  for (const a of stream) matches += match(a).length; // warm-up
  const ratesPerSecond: number[] = [];
  for (let r = 0; r < passes; r++) {
    const t0 = performance.now();
    for (const a of stream) match(a);
    ratesPerSecond.push(Math.round(stream.length / ((performance.now() - t0) / 1000)));
  }
  return { ratesPerSecond, matches };
}

async function main(): Promise<void> {
  const real = await realAlerts();
  const stream = streamOf(real);
  const positions = stream.map((a) => ({ ra: a.ra, dec: a.dec }));
  const results: Record<string, unknown> = {};
  const medians: Record<number, number> = {};
  for (const count of [100, 1_000, 10_000]) {
    const rnd = seededRandom(count);
    const matcher = new FilterMatcher();
    const t0 = performance.now();
    for (let i = 0; i < count; i++) matcher.upsert(`f${i}@1`, realisticFilter(rnd, positions), `u${i % 50}`);
    const compileMs = performance.now() - t0;
    const anchors: Record<string, number> = {};
    for (const key of matcher.keys()) anchors[matcher.anchorOf(key)!.kind] = (anchors[matcher.anchorOf(key)!.kind] ?? 0) + 1;
    const indexed = timePasses(stream, (a) => matcher.match(a), runs);
    const evaluated = matcher.keys().reduce((n, k) => n + matcher.stats(k)!.evaluated, 0);
    medians[count] = median(indexed.ratesPerSecond);
    const brute = count <= 1_000 ? timePasses(stream, (a) => matcher.matchAll(a), Math.min(runs, 5)) : undefined;
    results[String(count)] = {
      filters: count,
      compileMsPerFilter: Number((compileMs / count).toFixed(3)),
      anchors,
      alertsPerSecond: indexed.ratesPerSecond,
      medianAlertsPerSecond: medians[count],
      matchesPerPass: indexed.matches,
      candidatesPerAlert: Number((evaluated / (stream.length * (runs + 1))).toFixed(1)),
      ...(brute ? { bruteForceMedianAlertsPerSecond: median(brute.ratesPerSecond) } : {}),
    };
    console.log(count, JSON.stringify(results[String(count)]));
  }
  const ratio = medians[1_000]! / medians[10_000]!;
  const out = {
    machine: { cpus: cpus().length, node: process.version, cores: 1 },
    date: new Date().toISOString(),
    alerts: { count: stream.length, realAlerts: real.length, note: 'real decoded alerts replayed as 2,000 (copies moved to random sky positions), lc features from their light curves, stand-in annotations' },
    runs,
    results,
    costRatio10kVs1k: Number(ratio.toFixed(2)),
    targets: {
      '1000 filters >= 2000 alerts/s': medians[1_000]! >= 2_000,
      '10000 filters <= 2x cost of 1000': ratio <= 2,
    },
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/filter.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify({ costRatio10kVs1k: out.costRatio10kVs1k, targets: out.targets }));
}

await main();
