/**
 * ClickHouse-backed crossmatch benchmark: load time of a synthetic catalog (streamed from CSV),
 * then per batch of 500 alert positions (uniform on the sky, like a survey's alerts) the latency of
 * one ClickHouse crossmatch against the same catalog held in memory, both measured in this run,
 * at radii 2″ and 60″. Medians of 7 batches after a warm-up. Needs the local ClickHouse
 * (`nightjar services start`).
 *   npx tsx bench/xmatch-clickhouse.ts [--sources 2000000]
 * Writes bench/results/xmatch-clickhouse.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Alert } from '../src/alert/types.js';
import { annotateWithIndex } from '../src/annotate/annotator.js';
import { ClickHouseCrossmatch, loadCatalogIntoClickHouse } from '../src/annotate/catalogs/clickhouse.js';
import { loadCatalog } from '../src/annotate/catalogs/load.js';
import { writeSyntheticCsv } from '../src/annotate/catalogs/synthetic.js';
import type { CatalogConfig } from '../src/annotate/catalogs/types.js';
import { Random } from '../src/annotate/random.js';
import { createClickHouse } from '../src/clickhouse/client.js';
import { loadConfig } from '../src/config/index.js';

const argAt = process.argv.indexOf('--sources');
const SOURCES = argAt > 0 ? Number(process.argv[argAt + 1]) : 2_000_000;
const BATCH = 500;
const RUNS = 7;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const config = loadConfig({ overrides: { log: { level: 'silent' } } });
const database = 'nightjar_bench_xmatch';
const client = createClickHouse(config);
const dir = mkdtempSync(join(tmpdir(), 'nightjar-bench-xmatch-'));
const file = join(dir, 'catalog.csv');
const catalog = (radiusArcsec: number): CatalogConfig => ({ name: 'bench', file, format: 'csv', idColumn: 'id', raColumn: 'ra', decColumn: 'dec', columns: ['mag'], radiusArcsec, backend: 'clickhouse' });

function batch(random: Random): { ras: Float64Array; decs: Float64Array } {
  const ras = new Float64Array(BATCH);
  const decs = new Float64Array(BATCH);
  for (let i = 0; i < BATCH; i++) {
    ras[i] = random.next() * 360;
    decs[i] = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  }
  return { ras, decs };
}

try {
  await writeSyntheticCsv(file, SOURCES, 7);
  await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  const t0 = performance.now();
  const loaded = await loadCatalogIntoClickHouse(client, database, catalog(2));
  const loadSeconds = (performance.now() - t0) / 1000;
  // Time lookups on the settled table, as a worker sees it some minutes after a load.
  await client.command({ query: `OPTIMIZE TABLE ${database}.catalog_bench FINAL` });
  const memory = await loadCatalog({ ...catalog(2), backend: 'memory' });
  const results: Record<string, unknown> = {};
  for (const radius of [2, 60]) {
    const cfg = catalog(radius);
    const remote = await ClickHouseCrossmatch.open(client, database, cfg);
    const random = new Random(radius);
    const chMs: number[] = [];
    const memMs: number[] = [];
    let hits = 0;
    for (let run = 0; run <= RUNS; run++) {
      const { ras, decs } = batch(random);
      const alerts = Array.from(ras, (ra, i) => ({ ra, dec: decs[i]! }) as Alert);
      let t = performance.now();
      await remote.annotate(alerts);
      const ch = performance.now() - t;
      t = performance.now();
      annotateWithIndex(alerts.map((a) => ({ ...a })), ras, decs, cfg, memory.index);
      const mem = performance.now() - t;
      if (run === 0) continue; // warm-up
      chMs.push(ch);
      memMs.push(mem);
      hits += alerts.filter((a) => (a.xmatch!.bench as { count: number }).count > 0).length;
    }
    results[`${radius}arcsec`] = {
      clickhouseBatchMsMedian: Number(median(chMs).toFixed(1)),
      memoryBatchMsMedian: Number(median(memMs).toFixed(2)),
      clickhouseAlertsPerSecond: Math.round((BATCH * 1000) / median(chMs)),
      ratioClickhouseToMemory: Number((median(chMs) / median(memMs)).toFixed(1)),
      alertsWithAMatch: hits,
    };
  }
  const out = {
    machine: { cpus: 2, node: process.version },
    date: new Date().toISOString(),
    sources: SOURCES,
    batch: BATCH,
    runs: RUNS,
    load: { rows: loaded.rows, seconds: Number(loadSeconds.toFixed(1)), rowsPerSecond: Math.round(loaded.rows / loadSeconds) },
    results,
  };
  const results_dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(results_dir, { recursive: true });
  writeFileSync(join(results_dir, 'xmatch-clickhouse.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify(out, null, 2));
} finally {
  await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
