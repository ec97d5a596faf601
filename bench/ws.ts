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
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { loadConfig } from '../src/config/index.js';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { dropBenchTopics, forkBench, MatchProduction, request, setup, sleep, stopChild } from './ws-common.js';

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

async function oneRun(index: number): Promise<RunResult> {
  const prefix = `wsbench${Date.now().toString(36)}r${index}`;
  const { config, tokens, users } = await setup(prefix, { clients: CLIENTS, users: USERS, live: COALESCE_MS === undefined ? {} : { coalesceMs: COALESCE_MS } });
  const child = forkBench('./ws-api.ts', config);
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
        const ws = new WebSocket(url, ['nightjar.v1'], { headers: { authorization: `Bearer ${tokens[u]![Math.floor(i / USERS) % tokens[u]!.length]}` } });
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
  let rssPeak = 0;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    void request<{ rss: number; heapUsed: number }>(child, 'mem').then((m) => {
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    });
  }, 1000);
  const production = new MatchProduction(producer, users);
  const began = Date.now();
  await production.run(RATE, () => Date.now() - began >= SECONDS * 1000);
  const { produced, producedPerUser } = production;
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
  await stopChild(child);
  await dropBenchTopics(kafka, config, prefix, users);
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
