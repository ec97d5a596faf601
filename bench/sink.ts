/**
 * Archive benchmark: insert throughput of the sink's ClickHouse writer and read latency of cone
 * search and object light curves, over synthetic alerts generated directly as enriched JSON
 * (no Kafka), in a throwaway database.
 *
 *   NIGHTJAR_CLICKHOUSE_URL=http://127.0.0.1:18123 npx tsx bench/sink.ts [alerts]
 *
 * Writes bench/results/sink.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createClient } from '@clickhouse/client';
import { allFields } from '../src/alert/catalogue.js';
import '../src/alert/fields.js';
import { archiveQueries } from '../src/clickhouse/archive-queries.js';
import { clickhouseUrl, loadConfig } from '../src/config/index.js';
import { enrichedAlertRows } from '../src/sink/alert-rows.js';
import { catalogueColumns } from '../src/sink/columns.js';
import { appendRows, emptyRows, rowCount, type ArchiveRows } from '../src/sink/rows.js';
import { createArchiveTables } from '../src/sink/schema.js';
import { clickhouseWriter } from '../src/sink/writer.js';
import { seededRandom } from '../src/filter/lang/generate.js';

const ALERTS = Number(process.argv[2] ?? 1_000_000);
const ALERTS_PER_OBJECT = 5;
const BATCH = 5_000;
const QUERIES = 200;

const config = loadConfig();
const database = `nightjar_bench_${process.pid}`;
const client = createClient({ url: clickhouseUrl(config), request_timeout: config.clickhouse.requestTimeoutMs });
const columns = catalogueColumns(allFields());

interface SyntheticObject {
  ra: number;
  dec: number;
}

/** Objects spread uniformly over the sphere. */
function objectsOf(count: number, random: () => number): SyntheticObject[] {
  return Array.from({ length: count }, () => ({ ra: random() * 360, dec: (Math.asin(2 * random() - 1) * 180) / Math.PI }));
}

/** The n-th alert of object k: a detection 3 days after the previous one, its history repeated. */
function alertJson(k: number, n: number, object: SyntheticObject, random: () => number): Record<string, unknown> {
  const mjd = 60000 + n * 3 + (k % 1000) / 1000;
  const jitter = () => (random() - 0.5) * (0.2 / 3600);
  const band = n % 2 === 0 ? 'g' : 'r';
  const mag = 18 + random();
  const history = Array.from({ length: n + 1 }, (_, i) => ({ mjd: 60000 + i * 3 + (k % 1000) / 1000, band: i % 2 === 0 ? 'g' : 'r', kind: 'detection', mag: 18.5, magErr: 0.05, flux: null, fluxErr: null, limitMag: 20.5 }));
  return {
    survey: 'ztf',
    alertId: String(3_000_000_000_000_000_000n + BigInt(k * ALERTS_PER_OBJECT + n)),
    objectId: `ZTF26bench${k.toString(36).padStart(6, '0')}`,
    mjd,
    ra: Math.min(Math.max(object.ra + jitter(), 0), 359.999999),
    dec: Math.min(Math.max(object.dec + jitter(), -90), 90),
    band,
    mag,
    magErr: 0.05,
    flux: null,
    fluxErr: null,
    snr: 20,
    reliability: random(),
    isPositive: true,
    lightcurve: history,
    ztf: { candidate: { candid: String(k), magpsf: mag, fid: band === 'g' ? 1 : 2 } },
    lc: { detections: n + 1 },
    anomaly: { score: random() },
    synthetic: true,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed<T>(samples: number[], fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await fn();
  samples.push(performance.now() - start);
  return result;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { queries: samples.length, p50Ms: +percentile(sorted, 50).toFixed(2), p99Ms: +percentile(sorted, 99).toFixed(2) };
}

async function main(): Promise<void> {
  await client.command({ query: `CREATE DATABASE ${database}` });
  try {
    await createArchiveTables(client, database, allFields());
    const writer = clickhouseWriter(client, database);
    const random = seededRandom(42);
    const objects = objectsOf(Math.ceil(ALERTS / ALERTS_PER_OBJECT), random);

    let rowsWritten = 0;
    let convertMs = 0;
    const insertStart = performance.now();
    for (let start = 0; start < ALERTS; start += BATCH) {
      const convertStart = performance.now();
      const batch: ArchiveRows = emptyRows();
      for (let i = start; i < Math.min(start + BATCH, ALERTS); i++) {
        // Alerts arrive night by night: all objects' n-th alerts, then the (n+1)-th.
        const n = Math.floor(i / objects.length);
        const k = i % objects.length;
        appendRows(batch, enrichedAlertRows(alertJson(k, n, objects[k]!, random), columns, Math.floor(Date.now() / 1000)));
      }
      convertMs += performance.now() - convertStart;
      rowsWritten += rowCount(batch);
      await writer.insert(batch);
    }
    const insertSeconds = (performance.now() - insertStart) / 1000;

    const queries = archiveQueries(client, database, columns);
    const coneSmall: number[] = [];
    const coneLarge: number[] = [];
    const objectLc: number[] = [];
    const probe = seededRandom(7);
    let hits = 0;
    let points = 0;
    for (let q = 0; q < QUERIES; q++) {
      const k = Math.floor(probe() * objects.length);
      const o = objects[k]!;
      hits += (await timed(coneSmall, () => queries.coneSearch(o.ra, o.dec, 2 / 3600, 100))).length;
      await timed(coneLarge, () => queries.coneSearch(probe() * 360, (Math.asin(2 * probe() - 1) * 180) / Math.PI, 0.5, 1000));
      const object = await timed(objectLc, () => queries.getObject(`ZTF26bench${k.toString(36).padStart(6, '0')}`, 'ztf'));
      points += object?.lightcurve.length ?? 0;
    }

    const result = {
      benchmark: 'sink',
      date: new Date().toISOString(),
      clickhouse: (await (await client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0]!.v,
      machine: '2 shared cores; ClickHouse on the same machine',
      alerts: ALERTS,
      objects: objects.length,
      rowsWritten,
      batchAlerts: BATCH,
      insert: { seconds: +insertSeconds.toFixed(1), alertsPerSecond: Math.round(ALERTS / insertSeconds), rowsPerSecond: Math.round(rowsWritten / insertSeconds), conversionShare: +(convertMs / 1000 / insertSeconds).toFixed(2) },
      coneSearch2Arcsec: { ...summary(coneSmall), meanHits: +(hits / QUERIES).toFixed(2) },
      coneSearch30Arcmin: summary(coneLarge),
      objectLightCurve: { ...summary(objectLc), meanPoints: +(points / QUERIES).toFixed(2) },
      notes: 'synthetic ZTF-like alerts, 5 per object, each repeating its object history (deduplicated in lightcurve_points); queries read with FINAL right after the inserts, before background merges',
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/sink.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  }
}

await main();
