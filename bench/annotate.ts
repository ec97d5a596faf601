/**
 * Annotate-stage benchmark: sky-index build for 10M synthetic sources (time, heap, RSS),
 * index cache reload, crossmatch lookups/s, light-curve features/s on real Rubin alerts,
 * EIF scoring/s (100 trees, ψ = 256) and whole-annotator throughput on one core with three
 * catalogs (10M synthetic, 1M synthetic, the bright stars). Medians of 3 timed runs after a
 * warm-up pass; the machine (2 cores) may be shared, so compare runs made together.
 *   node --expose-gc --import tsx bench/annotate.ts [--sources 10000000]
 * Writes bench/results/annotate.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alert } from '../src/alert/types.js';
import { createAnnotator } from '../src/annotate/annotator.js';
import { brightStarsCatalog } from '../src/annotate/catalogs/bright-stars.js';
import { readIndexCache, writeIndexCache } from '../src/annotate/catalogs/index-cache.js';
import { loadCatalog } from '../src/annotate/catalogs/load.js';
import { syntheticIndex } from '../src/annotate/catalogs/synthetic.js';
import type { LoadedCatalog } from '../src/annotate/catalogs/types.js';
import { trainOnFeatures, featureVector } from '../src/annotate/eif/feature-vector.js';
import { score } from '../src/annotate/eif/forest.js';
import { Reservoir } from '../src/annotate/eif/reservoir.js';
import { lightCurveFeatures } from '../src/annotate/features.js';
import { Random } from '../src/annotate/random.js';
import { crossmatch } from '../src/annotate/sky/crossmatch.js';
import { unitVector } from '../src/annotate/sky/sphere.js';
import type { DecodedChunk } from '../src/annotate/watch/chunks.js';
import { buildWatchlistIndex, matchList, type WatchlistIndex } from '../src/annotate/watch/list-index.js';
import type { SkyIndex } from '../src/annotate/sky/sky-index.js';
import { readOcf, rubinAlert, DATA } from '../test/unit/annotate/real-alerts.js';

const RUNS = 3;
const argAt = process.argv.indexOf('--sources');
const SOURCES = argAt > 0 ? Number(process.argv[argAt + 1]) : 10_000_000;
const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
const mb = (bytes: number): number => Math.round(bytes / 1048576);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timed<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, (performance.now() - t0) / 1000];
}

function indexBytes(index: SkyIndex): number {
  let bytes = index.pixels.byteLength + index.x.byteLength * 3 + index.ids.bytes.byteLength + index.ids.offsets.byteLength;
  for (const c of Object.values(index.columns)) bytes += c.kind === 'number' ? c.values.byteLength : c.bytes.byteLength + c.offsets.byteLength;
  return bytes;
}

/** One build in this (fresh) process: its time, and its true peak RSS from getrusage. */
function buildOnce(seed: number): void {
  gc();
  const before = process.memoryUsage().rss;
  const [index, seconds] = timed(() => syntheticIndex(SOURCES, seed));
  const peakRss = process.resourceUsage().maxRSS * 1024;
  gc();
  const mem = process.memoryUsage();
  const out = { seconds, indexMB: mb(indexBytes(index)), rssBeforeMB: mb(before), peakRssMB: mb(peakRss), rssAfterMB: mb(mem.rss), heapUsedMB: mb(mem.heapUsed), arrayBuffersMB: mb(mem.arrayBuffers) };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** Each timed build runs in its own process so the peak RSS belongs to that build alone. */
function benchBuild(): Record<string, unknown> {
  const runs = Array.from({ length: RUNS }, (_, run) => {
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), '--sources', String(SOURCES), '--build-once', String(42 + run)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`build run failed: ${child.stderr}`);
    const line = child.stdout.trim().split('\n').at(-1)!;
    const r = JSON.parse(line) as { seconds: number; peakRssMB: number; rssAfterMB: number; heapUsedMB: number; arrayBuffersMB: number; indexMB: number; rssBeforeMB: number };
    console.log(`build ${SOURCES} sources: ${r.seconds.toFixed(1)} s, peak RSS ${r.peakRssMB} MB`);
    return r;
  });
  return {
    sources: SOURCES,
    seconds: runs.map((r) => +r.seconds.toFixed(2)),
    medianSeconds: +median(runs.map((r) => r.seconds)).toFixed(2),
    indexMB: runs[0]!.indexMB,
    medianPeakRssMB: median(runs.map((r) => r.peakRssMB)),
    peakRssMB: runs.map((r) => r.peakRssMB),
    medianRssAfterBuildMB: median(runs.map((r) => r.rssAfterMB)),
    medianHeapUsedAfterBuildMB: median(runs.map((r) => r.heapUsedMB)),
    medianArrayBuffersAfterBuildMB: median(runs.map((r) => r.arrayBuffersMB)),
    rssBeforeBuildMB: runs[0]!.rssBeforeMB,
  };
}

function benchCache(index: SkyIndex, dir: string): Record<string, unknown> {
  const file = join(dir, 'synthetic.skyindex');
  const [, writeS] = timed(() => writeIndexCache(file, 'bench', index));
  const loads: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const [loaded, s] = timed(() => readIndexCache(file, 'bench'));
    if (loaded?.size !== index.size) throw new Error('cache round trip failed');
    loads.push(s);
  }
  rmSync(file);
  return { writeSeconds: +writeS.toFixed(2), loadSeconds: loads.map((s) => +s.toFixed(2)), medianLoadSeconds: +median(loads).toFixed(2) };
}

function benchLookups(index: SkyIndex, radiusArcsec: number): number {
  const random = new Random(7);
  const n = 200_000;
  const ras = Float64Array.from({ length: n }, () => random.next() * 360);
  const decs = Float64Array.from({ length: n }, () => (Math.asin(2 * random.next() - 1) * 180) / Math.PI);
  const rates: number[] = [];
  crossmatch(index, ras.subarray(0, 20_000), decs.subarray(0, 20_000), radiusArcsec); // warm-up
  for (let run = 0; run < RUNS; run++) rates.push(n / timed(() => crossmatch(index, ras, decs, radiusArcsec))[1]);
  return Math.round(median(rates));
}

/** Rubin-sized alerts: the four real Fink-republished Rubin alerts (300–390 sources, ~400 forced points) at random positions. */
function alertBatch(templates: Alert[], count: number, random: Random): Alert[] {
  return Array.from({ length: count }, (_, i) => {
    const t = templates[i % templates.length]!;
    return { ...t, ra: random.next() * 360, dec: (Math.asin(2 * random.next() - 1) * 180) / Math.PI, xmatch: undefined, lc: undefined, anomaly: undefined };
  });
}

/** Items per second: one untimed warm-up pass (a worker runs warm), then the median of RUNS timed passes. */
function rate(count: number, fn: () => void): number {
  fn();
  const rates: number[] = [];
  for (let run = 0; run < RUNS; run++) rates.push(count / timed(fn)[1]);
  return Math.round(median(rates));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nightjar-bench-'));
  const results: Record<string, unknown> = { machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, date: new Date().toISOString() };

  results.indexBuild = benchBuild();
  const big = syntheticIndex(SOURCES, 42);
  results.indexCache = benchCache(big, dir);
  results.lookupsPerSecond = { sources: SOURCES, radius2Arcsec: benchLookups(big, 2), radius60Arcsec: benchLookups(big, 60), radius1Deg: benchLookups(big, 3600) };
  console.log(results);

  const templates = (await readOcf(join(DATA, 'lsst', 'alerts', 'fink_rubin_4alerts.avro'))).map(rubinAlert);
  const random = new Random(3);
  const lcPoints = templates.map((t) => t.lightcurve.length);
  const featureAlerts = alertBatch(templates, 4000, random);
  results.featuresPerSecond = { alerts: rate(featureAlerts.length, () => featureAlerts.forEach((a) => lightCurveFeatures(a))), lightcurvePoints: lcPoints };

  const featureNames = ['mag', 'lc.all.ndet', 'lc.all.amplitude', 'lc.all.std', 'lc.all.slope', 'lc.all.daysSinceFirst', 'lc.colour.g_r.value', 'xmatch.medium.sep'];
  const X = Float64Array.from({ length: 5000 * featureNames.length }, () => random.gaussian());
  const model = { ...trainOnFeatures(X, featureNames, { nTrees: 100, sampleSize: 256, seed: 1 }), id: 'bench' };
  const vectors = Array.from({ length: 20_000 }, () => Float64Array.from({ length: featureNames.length }, () => random.gaussian()));
  results.eifScoresPerSecond = { nTrees: 100, sampleSize: 256, nFeatures: featureNames.length, rate: rate(vectors.length, () => vectors.forEach((v) => score(model, v))) };

  const medium: LoadedCatalog = { config: { name: 'medium', file: '-', format: 'csv', idColumn: 'id', raColumn: 'ra', decColumn: 'dec', columns: ['mag'], radiusArcsec: 5 }, index: syntheticIndex(1_000_000, 9, { withMag: true }), skippedRows: 0, fromCache: false };
  const large: LoadedCatalog = { config: { name: 'large', file: '-', format: 'csv', idColumn: 'id', raColumn: 'ra', decColumn: 'dec', columns: [], radiusArcsec: 2 }, index: big, skippedRows: 0, fromCache: false };
  const catalogs = [large, medium, await loadCatalog(brightStarsCatalog())];
  const reservoir = new Reservoir(10_000, featureNames.length, 1);
  const annotate = createAnnotator({ catalogs, model, features: true, sample: { reservoir, featureNames } });
  const batches = Array.from({ length: 8 }, () => alertBatch(templates, 500, random));
  // A 1,000,000-entry watchlist (uniform positions, 5″ radii), matched for every alert as the
  // worker's watch annotator does after its coarse routing.
  const watchlist = await syntheticWatchlist(1_000_000, 5);
  const withWatchlist = (alerts: Alert[]): void => {
    annotate(alerts);
    for (const alert of alerts) {
      const u = unitVector(alert.ra, alert.dec);
      alert.watchlist = { hits: matchList(watchlist, u.x, u.y, u.z, 10) };
    }
  };
  results.annotatePerCore = {
    note: 'one thread; alerts are the 4 real Rubin alerts (1–1154 light-curve points) at random positions; features + 3 crossmatches + a 1M-entry watchlist + EIF score + reservoir sample',
    catalogs: catalogs.map((c) => ({ name: c.config.name, sources: c.index.size, radiusArcsec: c.config.radiusArcsec })),
    watchlistEntries: watchlist.size,
    batchSize: 500,
    alertsPerSecond: rate(4000, () => batches.forEach((b) => withWatchlist(b))),
    withoutWatchlistAlertsPerSecond: rate(4000, () => batches.forEach((b) => annotate(b))),
    check: { anomalyScored: batches.flat().every((a) => typeof (a.anomaly as { score: unknown }).score === 'number'), vectorWidth: featureVector(batches[0]![0]!, featureNames).length },
  };
  gc();
  const mem = process.memoryUsage();
  results.endMemory = { rssMB: mb(mem.rss), heapUsedMB: mb(mem.heapUsed), arrayBuffersMB: mb(mem.arrayBuffers) };
  console.log(JSON.stringify(results, null, 2));
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/annotate.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
}

/** A watchlist index of `n` entries uniform on the sky, each with `radiusArcsec`. */
async function syntheticWatchlist(n: number, radiusArcsec: number): Promise<WatchlistIndex> {
  const random = new Random(42);
  const ra = new Float64Array(n);
  const dec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ra[i] = random.next() * 360;
    dec[i] = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  }
  const names = new TextEncoder().encode(Array.from({ length: n }, (_, i) => `W${i}`).join('\n'));
  const chunk: DecodedChunk = { owner: 'bench', list: 'million', version: 1, index: 0, count: n, names, ra, dec, radius: new Float64Array(n).fill(radiusArcsec) };
  return (await buildWatchlistIndex({ owner: 'bench', name: 'million', version: 1 }, [chunk])).index;
}

const buildAt = process.argv.indexOf('--build-once');
if (buildAt > 0) buildOnce(Number(process.argv[buildAt + 1]));
else await main();
