/**
 * API benchmark: requests per second of GET /api/v1/alerts/{alertId} (random archived ids) and
 * GET /api/v1/cone (5″ around random archived alerts) over HTTP on loopback, measured with
 * autocannon against a server in a child process, so load generator and server do not share an
 * event loop. The archive is a throwaway ClickHouse database filled with synthetic alerts through
 * the sink's own row conversion and writer; users and tokens are in memory (the lookups the api role
 * does from its followed topics), so no Kafka is needed. Each measurement is the median of several
 * runs.
 *
 *   npx tsx bench/api-lookup.ts [alerts] [runs] [seconds]
 *
 * NIGHTJAR_BENCH_DATABASE=name keeps the filled database under that name and reuses it on the next
 * run (same alert count), instead of filling and dropping a throwaway one.
 *
 * Writes bench/results/api.json.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import autocannon from 'autocannon';
import '../src/alert/fields.js';
import { allFields } from '../src/alert/catalogue.js';
import { buildApi } from '../src/api/server.js';
import { archiveQueries } from '../src/clickhouse/archive-queries.js';
import { clickhouseUrl, loadConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/logger.js';
import { createMetricsRegistry } from '../src/metrics/registry.js';
import { enrichedAlertRows } from '../src/sink/alert-rows.js';
import { catalogueColumns } from '../src/sink/columns.js';
import { appendRows, emptyRows } from '../src/sink/rows.js';
import { createArchiveTables } from '../src/sink/schema.js';
import { clickhouseWriter } from '../src/sink/writer.js';
import { memoryServices } from '../test/unit/api/memory-services.js';
import { seededRandom } from '../src/filter/lang/generate.js';

const ALERTS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 5);
const SECONDS = Number(process.argv[4] ?? 10);
const CONNECTIONS = 16;
const BATCH = 10_000;

const config = loadConfig();
const columns = catalogueColumns(allFields());

interface Position {
  alertId: string;
  ra: number;
  dec: number;
}

function positions(count: number): Position[] {
  const random = seededRandom(42);
  return Array.from({ length: count }, (_, i) => ({
    alertId: String(3_100_000_000_000_000_000n + BigInt(i)),
    ra: random() * 359.999,
    dec: (Math.asin(2 * random() - 1) * 180) / Math.PI,
  }));
}

/** A ZTF-like enriched alert with a ten-point light curve, annotations and a survey record. */
function alertJson(p: Position, i: number): Record<string, unknown> {
  const mjd = 60000 + (i % 1000) / 10;
  return {
    survey: 'ztf',
    alertId: p.alertId,
    objectId: `ZTF26api${(i >> 2).toString(36).padStart(7, '0')}`,
    mjd,
    ra: p.ra,
    dec: p.dec,
    band: i % 2 === 0 ? 'g' : 'r',
    mag: 18 + (i % 100) / 50,
    magErr: 0.05,
    flux: null,
    fluxErr: null,
    snr: 20,
    reliability: 0.9,
    isPositive: true,
    lightcurve: Array.from({ length: 10 }, (_, k) => ({ mjd: mjd - 30 + 3 * k, band: k % 2 === 0 ? 'g' : 'r', kind: k % 3 === 0 ? 'upperlimit' : 'detection', mag: 18.5, magErr: 0.05, flux: null, fluxErr: null, limitMag: 20.5 })),
    ztf: { candidate: { candid: p.alertId, magpsf: 18.5, fid: 1, rb: 0.9 } },
    lc: { all: { ndet: 7, amplitude: 0.4 } },
    anomaly: { score: 0.4, model: null },
    xmatch: {},
    synthetic: true,
  };
}

async function fill(database: string, all: Position[]): Promise<number> {
  const client = createClient({ url: clickhouseUrl(config), request_timeout: config.clickhouse.requestTimeoutMs });
  try {
    await client.command({ query: `CREATE DATABASE ${database}` });
    await createArchiveTables(client, database, allFields());
    const writer = clickhouseWriter(client, database);
    const start = performance.now();
    for (let from = 0; from < all.length; from += BATCH) {
      const rows = emptyRows();
      for (let i = from; i < Math.min(from + BATCH, all.length); i++) appendRows(rows, enrichedAlertRows(alertJson(all[i]!, i), columns, Math.floor(Date.now() / 1000)));
      await writer.insert(rows);
    }
    return (performance.now() - start) / 1000;
  } finally {
    await client.close();
  }
}

/** The child: the API over the archive, answering until killed. */
async function serve(database: string): Promise<void> {
  const client = createClient({ url: clickhouseUrl(config), request_timeout: config.clickhouse.requestTimeoutMs, max_open_connections: 32 });
  const kit = memoryServices({ archive: archiveQueries(client, database, columns), rateLimit: { max: 100_000_000, timeWindowMs: 60_000 } });
  const app = buildApi({ config: kit.config, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), readiness: [], services: kit.services });
  await kit.platform.users.create({ name: 'bench' });
  const { token } = await kit.platform.tokens.issue({ owner: 'bench', scopes: ['read'], lifetimeMs: null });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.send!({ port: (app.server.address() as { port: number }).port, token });
}

interface RunResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, token: string, path: () => string): Promise<RunResult> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: path() }) }],
  });
  return { requestsPerSecond: result.requests.average, p50Ms: result.latency.p50, p99Ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function summary(runs: RunResult[]) {
  return {
    runs: runs.length,
    medianRequestsPerSecond: Math.round(median(runs.map((r) => r.requestsPerSecond))),
    medianP50Ms: median(runs.map((r) => r.p50Ms)),
    medianP99Ms: median(runs.map((r) => r.p99Ms)),
    requestsPerSecondByRun: runs.map((r) => Math.round(r.requestsPerSecond)),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
  };
}

async function main(): Promise<void> {
  const kept = process.env.NIGHTJAR_BENCH_DATABASE;
  const database = kept ?? `nightjar_bench_api_${process.pid}`;
  const all = positions(ALERTS);
  let server: ChildProcess | undefined;
  const drop = createClient({ url: clickhouseUrl(config) });
  try {
    const exists = kept !== undefined && Number((await (await drop.query({ query: `SELECT count() AS n FROM system.databases WHERE name = '${database}'`, format: 'JSONEachRow' })).json<{ n: string }>())[0]?.n) === 1;
    const insertSeconds = exists ? null : await fill(database, all);
    server = fork(fileURLToPath(import.meta.url), ['serve', database], { execArgv: process.execArgv, stdio: 'inherit' });
    const { port, token } = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      server!.once('message', (m) => resolve(m as { port: number; token: string }));
      server!.once('exit', (code) => reject(new Error(`server exited (${code})`)));
    });
    const url = `http://127.0.0.1:${port}`;
    const random = seededRandom(7);
    const pick = () => all[Math.floor(random() * all.length)]!;
    // Warm up connections, the JIT and ClickHouse's caches before measuring.
    await autocannon({ url, connections: CONNECTIONS, duration: 3, headers: { authorization: `Bearer ${token}` }, requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `/api/v1/alerts/${pick().alertId}` }) }] });
    const loadBefore = loadavg()[0]!;
    const lookups: RunResult[] = [];
    const cones: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      lookups.push(await load(url, token, () => `/api/v1/alerts/${pick().alertId}`));
      cones.push(await load(url, token, () => {
        const p = pick();
        return `/api/v1/cone?ra=${p.ra}&dec=${p.dec}&radius=5`;
      }));
    }
    const result = {
      benchmark: 'api-lookup',
      date: new Date().toISOString(),
      clickhouse: (await (await drop.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' })).json<{ v: string }>())[0]!.v,
      machine: '2 shared cores; API server (one Node process), autocannon and ClickHouse on the same machine, loopback HTTP',
      alerts: ALERTS,
      insertSeconds: insertSeconds === null ? null : +insertSeconds.toFixed(1),
      connections: CONNECTIONS,
      secondsPerRun: SECONDS,
      // The 1-minute load average: other work on the machine competes for the same two cores.
      loadAverage: { before: +loadBefore.toFixed(1), after: +loadavg()[0]!.toFixed(1) },
      alertById: summary(lookups),
      coneSearch5Arcsec: summary(cones),
      notes: 'GET /api/v1/alerts/{id} runs two queries (the alert, its cutout kinds); GET /api/v1/cone one; all reads use FINAL; bearer-token authentication on every request',
    };
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    writeFileSync(new URL('./results/api.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
  } finally {
    server?.kill();
    if (!kept) await drop.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await drop.close();
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3]!);
else await main();
