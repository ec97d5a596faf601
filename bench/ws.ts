/**
 * Live-feed benchmark against the real local Kafka (`npx nightjar services start`): the api role
 * in a child process (bench/ws-api.ts), N websocket clients on loopback spread over U users'
 * match topics (each client subscribes to its user's matches), a share of them stalled (they
 * stop reading their socket), and matches produced at a steady total rate across the topics.
 * Measures the delivery latency to the healthy clients (from the produce time in `matchedAt` to
 * the frame's arrival), whether every healthy client got every match, the api role's memory and
 * CPU, and how many stalled clients were cut (4008).
 *
 *   npx tsx bench/ws.ts [--clients 1000] [--users 20] [--stalled 0.1] [--rate 333] [--seconds 20] [--runs 3] [--coalesce-ms N] [--out ws.json]
 * Writes bench/results/<out> (each run, and medians). `--users 1` is the broadcast case: every
 * client on one topic, so each match is sent to every healthy client.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadConfig, type Config } from '../src/config/index.js';
import { expressionErrors } from '../src/filter/lang-matcher.js';
import { userTopic } from '../src/filter/model.js';
import { FilterStore } from '../src/filter/store.js';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { createPlatform } from '../src/platform/platform.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    users: { type: 'string', default: '20' },
    stalled: { type: 'string', default: '0.1' },
    rate: { type: 'string', default: '333' },
    seconds: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    out: { type: 'string', default: 'ws.json' },
    /** live.coalesceMs for the api role (default: the configuration's). */
    'coalesce-ms': { type: 'string' },
  },
});
const CLIENTS = Number(values.clients);
const USERS = Number(values.users);
const STALLED = Number(values.stalled);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const COALESCE_MS = values['coalesce-ms'] === undefined ? undefined : Number(values['coalesce-ms']);
const TOKENS_PER_USER = Math.ceil(CLIENTS / USERS / 10);
const logger = silentLogger();

interface RunResult {
  clients: number;
  healthy: number;
  stalled: number;
  produced: number;
  expectedDeliveries: number;
  delivered: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  apiMemoryMb: { rssBefore: number; rssPeak: number; heapPeak: number; rssAfter: number };
  apiCpuSeconds: number;
  clientsAndProducerCpuSeconds: number;
  stalledClosed4008: number;
  connectSeconds: number;
  /** 1-minute load average of the machine at the end of the run (2 cores: above 2 means waiting for CPU). */
  loadAverage: number;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number): number => Math.round(bytes / 1024 / 1024);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function request<T>(child: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (message: { type: string }) => {
      if (message.type !== type) return;
      child.off('message', listener);
      resolve(message as T);
    };
    child.on('message', listener);
    child.send({ type });
  });
}

async function setup(prefix: string): Promise<{ config: Config; tokens: string[][]; users: string[] }> {
  const base = loadConfig({ overrides: { log: { level: 'silent' } } });
  const kafka = createKafka(base, logger);
  const admin = kafka.admin();
  await admin.connect();
  const names = { users: `${prefix}-users`, tokens: `${prefix}-tokens`, filters: `${prefix}-filters`, notices: `${prefix}-notices`, enriched: `${prefix}-enriched` };
  const create = () => admin.createTopics({
    waitForLeaders: true,
    topics: [
      ...[names.users, names.tokens, names.filters].map((topic) => ({ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] })),
      { topic: names.notices, numPartitions: 1 },
      { topic: names.enriched, numPartitions: 3 },
    ],
  });
  // Right after the previous run deleted its topics the broker can answer UNKNOWN_TOPIC_OR_PARTITION for a moment.
  for (let attempt = 1; ; attempt++) {
    try {
      await create();
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(2_000);
    }
  }
  await admin.disconnect();
  const config = loadConfig({ overrides: { log: { level: 'silent' }, topics: names, live: { maxConnections: CLIENTS + 100, ...(COALESCE_MS === undefined ? {} : { coalesceMs: COALESCE_MS }) } } });
  const platform = createPlatform(kafka, config, logger);
  const filters = new FilterStore(kafka, config, logger, expressionErrors);
  await Promise.all([platform.start(), filters.start()]);
  const users: string[] = [];
  const tokens: string[][] = [];
  for (let u = 0; u < USERS; u++) {
    const name = `${prefix}-u${u}`;
    users.push(name);
    await platform.users.create({ name });
    const own: string[] = [];
    for (let t = 0; t < TOKENS_PER_USER; t++) own.push((await platform.tokens.issue({ owner: name, scopes: ['read'], lifetimeMs: 3_600_000 })).token);
    tokens.push(own);
    await filters.create({ id: `${name}-f`, owner: name, expression: 'mag < 20' });
    await filters.activate(`${name}-f`, name);
  }
  await Promise.all([platform.stop(), filters.stop()]);
  return { config, tokens, users };
}

/** A realistic match body (~2 KB of JSON): core fields, annotations, light-curve features. */
function matchValue(owner: string, filterId: string, n: number): string {
  const alert: Record<string, unknown> = {
    survey: 'lsst', alertId: String(170_000_000_000 + n), objectId: String(3_000_000 + (n % 5000)), mjd: 60_700 + n / 86_400, ra: (n * 0.37) % 360, dec: -30 + (n % 60), band: 'r',
    mag: 19.1, magErr: 0.05, flux: 5400.2, fluxErr: 210.5, snr: 25.7, reliability: 0.93, isPositive: true,
    xmatch: { brightstars: { sep: null, id: null, count: 0, ra: null, dec: null, cols: {} } },
    lc: { all: { ndet: 12, daysSinceFirst: 14.2, amplitude: 0.8, std: 0.21, dmdt: -0.03, slope: 0.01, peakMag: 18.7 }, r: { ndet: 6, rise: 0.1, fade: -0.05 }, g: { ndet: 6, rise: 0.12, fade: -0.04 } },
    anomaly: { score: 0.41, model: 'eif-v3' },
    watchlist: [],
  };
  return JSON.stringify({ filter: { id: filterId, version: 1, owner }, matchedAt: new Date().toISOString(), alert });
}

async function oneRun(index: number): Promise<RunResult> {
  const prefix = `wsbench${Date.now().toString(36)}r${index}`;
  const { config, tokens, users } = await setup(prefix);
  const child = fork(new URL('./ws-api.ts', import.meta.url).pathname, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  console.error(`run ${index + 1}: topics, ${USERS} users and their filters ready; starting the api role`);
  const { port } = await request<{ port: number }>(child, 'ready');
  console.error(`run ${index + 1}: api role listening on ${port}; connecting ${CLIENTS} clients`);
  const memBefore = await request<{ rss: number; cpu: NodeJS.CpuUsage }>(child, 'mem');
  const url = `ws://127.0.0.1:${port}/api/v1/live`;

  const latencies: number[] = [];
  let delivered = 0;
  let stalledClosed = 0;
  const sockets: WebSocket[] = [];
  const healthyPerUser = new Array<number>(USERS).fill(0);
  const connectStart = Date.now();
  const stalledCount = Math.round(CLIENTS * STALLED);
  for (let start = 0; start < CLIENTS; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, CLIENTS - start) }, (_, k) => {
        const i = start + k;
        const u = i % USERS;
        const stalled = i % Math.round(1 / STALLED) === 0 && i / Math.round(1 / STALLED) < stalledCount;
        const ws = new WebSocket(url, ['nightjar.v1'], { headers: { authorization: `Bearer ${tokens[u]![Math.floor(i / USERS) % TOKENS_PER_USER]}` } });
        sockets.push(ws);
        if (!stalled) healthyPerUser[u]! += 1;
        return new Promise<void>((resolve, reject) => {
          ws.on('error', reject);
          ws.on('close', (code) => {
            if (code === 4008) stalledClosed += 1;
          });
          ws.on('message', (raw) => {
            const text = raw.toString();
            if (text.startsWith('{"type":"subscribed"')) {
              if (stalled) ws.pause();
              resolve();
              return;
            }
            if (stalled || !text.startsWith('{"type":"alert"')) return;
            const at = text.indexOf('"matchedAt":"');
            latencies.push(Date.now() - Date.parse(text.slice(at + 13, at + 37)));
            delivered += 1;
          });
          ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 'm', stream: 'matches' })));
        });
      }),
    );
  }
  const connectSeconds = (Date.now() - connectStart) / 1000;
  const clientCpuBefore = process.cpuUsage();
  console.error(`run ${index + 1}: ${CLIENTS} clients subscribed in ${connectSeconds} s; producing ${RATE}/s for ${SECONDS} s`);
  latencies.length = 0;
  delivered = 0;

  const kafka = createKafka(config, logger);
  const producer = createProducer(kafka);
  await producer.connect();
  let produced = 0;
  const producedPerUser = new Array<number>(USERS).fill(0);
  let rssPeak = 0;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    void request<{ rss: number; heapUsed: number }>(child, 'mem').then((m) => {
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    });
  }, 1000);
  const tickMs = 100;
  const began = Date.now();
  for (let tick = 0; Date.now() - began < SECONDS * 1000; tick++) {
    const due = Math.round(((tick + 1) * tickMs * RATE) / 1000) - produced;
    const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
    for (let k = 0; k < due; k++) {
      const u = (produced + k) % USERS;
      const owner = users[u]!;
      producedPerUser[u]! += 1;
      const list = byTopic.get(userTopic(owner)) ?? [];
      list.push({ key: String(produced + k), value: matchValue(owner, `${owner}-f`, produced + k), headers: { 'nightjar-filter-id': `${owner}-f`, 'nightjar-filter-version': '1' } });
      byTopic.set(userTopic(owner), list);
    }
    produced += due;
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    const wait = began + (tick + 1) * tickMs - Date.now();
    if (wait > 0) await sleep(wait);
  }
  const expectedDeliveries = producedPerUser.reduce((sum, n, u) => sum + n * healthyPerUser[u]!, 0);
  const drainUntil = Date.now() + 15_000;
  while (delivered < expectedDeliveries && Date.now() < drainUntil) await sleep(200);
  clearInterval(sampler);
  const memAfter = await request<{ rss: number; heapUsed: number; cpu: NodeJS.CpuUsage }>(child, 'mem');
  const metrics = await request<{ text: string }>(child, 'metrics');
  const clientCpu = process.cpuUsage(clientCpuBefore);
  const cpu = (memAfter.cpu.user + memAfter.cpu.system - memBefore.cpu.user - memBefore.cpu.system) / 1e6;
  const sorted = latencies.sort((a, b) => a - b);
  for (const ws of sockets) ws.terminate();
  await producer.disconnect();
  child.send({ type: 'stop' });
  await new Promise((resolve) => child.on('exit', resolve));
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...users.map(userTopic), ...Object.values(config.topics).filter((t): t is string => typeof t === 'string' && t.startsWith(prefix))] }).catch(() => undefined);
  await admin.disconnect();
  console.error(metrics.text.split('\n').filter((l) => /disconnects_total\{reason="slow|dropped/.test(l)).join('\n'));
  return {
    clients: CLIENTS,
    healthy: CLIENTS - stalledCount,
    stalled: stalledCount,
    produced,
    expectedDeliveries,
    delivered,
    latencyMs: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted.at(-1) ?? Number.NaN },
    apiMemoryMb: { rssBefore: mb(memBefore.rss), rssPeak: mb(rssPeak), heapPeak: mb(heapPeak), rssAfter: mb(memAfter.rss) },
    apiCpuSeconds: Math.round(cpu * 10) / 10,
    clientsAndProducerCpuSeconds: Math.round(((clientCpu.user + clientCpu.system) / 1e6) * 10) / 10,
    stalledClosed4008: stalledClosed,
    connectSeconds,
    loadAverage: Math.round(loadavg()[0]! * 10) / 10,
  };
}

const runs: RunResult[] = [];
for (let i = 0; i < RUNS; i++) {
  const result = await oneRun(i);
  console.error(`run ${i + 1}/${RUNS}: ${JSON.stringify(result)}`);
  runs.push(result);
}
const results = {
  machine: { cpus: cpus().length, node: process.version },
  settings: { clients: CLIENTS, users: USERS, stalledShare: STALLED, matchesPerSecond: RATE, seconds: SECONDS, runs: RUNS, coalesceMs: COALESCE_MS ?? loadConfig({ overrides: { log: { level: 'silent' } } }).live.coalesceMs },
  median: {
    latencyMsP50: median(runs.map((r) => r.latencyMs.p50)),
    latencyMsP99: median(runs.map((r) => r.latencyMs.p99)),
    deliveredShare: median(runs.map((r) => r.delivered / r.expectedDeliveries)),
    apiRssPeakMb: median(runs.map((r) => r.apiMemoryMb.rssPeak)),
    apiHeapPeakMb: median(runs.map((r) => r.apiMemoryMb.heapPeak)),
    apiCpuShare: median(runs.map((r) => r.apiCpuSeconds / SECONDS)),
    clientsCpuShare: median(runs.map((r) => r.clientsAndProducerCpuSeconds / SECONDS)),
  },
  runs,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${values.out}`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exit(0);
