/**
 * Live feeds across a restart of the api role (a rolling update), against the real local Kafka
 * (`npx nightjar services start`): N websocket clients spread over U users' match topics follow
 * their matches while they are produced at a steady rate; the api role (bench/ws-api.ts) stops
 * (clients see 1001), matches keep arriving for `--gap` seconds with no api role, a new api role
 * starts, and every client reconnects at once and resumes with its last cursor.
 * Measures, per run: whether every client received every match of its user exactly once, how
 * long after the new role was ready each client had everything produced before then (its
 * catch-up), where the resumes were served from (nightjar_ws_resumes_total: the shared readers'
 * windows or a Kafka reader per subscription), and the new role's CPU and peak memory.
 * `--replay-messages` lists live.replayMessages values that take turns run by run (default
 * "1000,1": the default window, then a window too small for the gap, so every resume is read
 * back from Kafka by a reader of its own, as before readers filled their window at start).
 *
 *   npx tsx bench/ws-restart.ts [--clients 1000] [--users 20] [--rate 333] [--before 5] [--gap 3] [--after 5] [--replay-messages 1000,1] [--runs 4] [--out ws-restart.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { dropBenchTopics, forkBench, MATCH_ID_BASE, MatchProduction, request, setup, sleep, stopChild } from './ws-common.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    users: { type: 'string', default: '20' },
    rate: { type: 'string', default: '333' },
    before: { type: 'string', default: '5' },
    gap: { type: 'string', default: '3' },
    after: { type: 'string', default: '5' },
    'replay-messages': { type: 'string', default: '1000,1' },
    runs: { type: 'string', default: '4' },
    out: { type: 'string', default: 'ws-restart.json' },
  },
});
const CLIENTS = Number(values.clients);
const USERS = Number(values.users);
const RATE = Number(values.rate);
const BEFORE_S = Number(values.before);
const GAP_S = Number(values.gap);
const AFTER_S = Number(values.after);
const REPLAY = values['replay-messages'].split(',').map(Number);
const RUNS = Number(values.runs);

interface RunResult {
  replayMessages: number;
  clients: number;
  produced: number;
  /** Every client got every match of its user exactly once (after delivery settled). */
  complete: boolean;
  missing: number;
  duplicates: number;
  /** From the new api role's ready to each client's having every match produced before then. */
  catchUpMs: { p50: number; p99: number; max: number };
  /** Clients that never caught up within the drain time. */
  neverCaughtUp: number;
  resumes: { window: number; kafka: number };
  newApi: { cpuSeconds: number; rssPeakMb: number };
  loadAverage: number;
}

class Client {
  readonly seen = new Set<number>();
  duplicates = 0;
  cursor: string | undefined;
  ws: WebSocket | undefined;
  caughtUpAt: number | undefined;
  /** Set at the restart: how many of the user's matches were produced before the new role was ready. */
  neededBefore = Number.POSITIVE_INFINITY;
  lastBefore = -1;
  private before = 0;

  constructor(
    readonly user: number,
    private readonly token: string,
  ) {}

  /** Connects, subscribes (resuming from the last cursor if any) and resolves on `subscribed`. */
  connect(url: string): Promise<void> {
    const ws = new WebSocket(url, ['nightjar.v1'], { headers: { authorization: `Bearer ${this.token}` } });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      ws.on('error', reject);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 'm', stream: 'matches', fields: ['alertId'], ...(this.cursor ? { cursor: this.cursor } : {}) })));
      ws.on('message', (raw) => {
        const frame = JSON.parse(raw.toString()) as { type: string; cursor?: string; data?: { alertId: string } };
        if (frame.type === 'subscribed') {
          this.cursor ??= frame.cursor;
          resolve();
          return;
        }
        if (frame.type !== 'alert') return;
        this.cursor = frame.cursor;
        const n = Number(frame.data!.alertId) - MATCH_ID_BASE;
        if (this.seen.has(n)) {
          this.duplicates += 1;
          return;
        }
        this.seen.add(n);
        if (n <= this.lastBefore && ++this.before === this.neededBefore) this.caughtUpAt = Date.now();
      });
    });
  }

  /** From now on, counts towards catching up the matches up to `lastBefore` (the user's `needed` matches produced so far). */
  expect(lastBefore: number, needed: number): void {
    this.lastBefore = lastBefore;
    this.neededBefore = needed;
    this.before = 0;
    for (const n of this.seen) if (n <= lastBefore) this.before += 1;
    if (this.before === needed) this.caughtUpAt = Date.now();
  }
}

const quantile = (sorted: number[], q: number): number => (sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function connectAll(clients: Client[], url: string): Promise<void> {
  for (let start = 0; start < clients.length; start += 100) await Promise.all(clients.slice(start, start + 100).map((c) => c.connect(url)));
}

async function oneRun(index: number, replayMessages: number): Promise<RunResult> {
  const prefix = `wsrestart${Date.now().toString(36)}r${index}`;
  const { config, tokens, users } = await setup(prefix, { clients: CLIENTS, users: USERS, live: { replayMessages } });
  const logger = silentLogger();
  const kafka = createKafka(config, logger);
  const producer = createProducer(kafka);
  await producer.connect();
  const clients = Array.from({ length: CLIENTS }, (_, i) => new Client(i % USERS, tokens[i % USERS]![Math.floor(i / USERS) % tokens[i % USERS]!.length]!));

  let api = forkBench('./ws-api.ts', config);
  let { port } = await request<{ port: number }>(api, 'ready');
  await connectAll(clients, `ws://127.0.0.1:${port}/api/v1/live`);
  console.error(`run ${index + 1} (replayMessages ${replayMessages}): ${CLIENTS} clients following; producing ${RATE}/s`);
  const production = new MatchProduction(producer, users);
  let phase: 'before' | 'gap' | 'after' | 'done' = 'before';
  const producing = production.run(RATE, () => phase === 'done');

  await sleep(BEFORE_S * 1000);
  phase = 'gap';
  await stopChild(api);
  await sleep(GAP_S * 1000);
  api = forkBench('./ws-api.ts', config);
  ({ port } = await request<{ port: number }>(api, 'ready'));
  const ready = Date.now();
  const cpuBefore = (await request<{ cpu: NodeJS.CpuUsage }>(api, 'mem')).cpu;
  // Everything produced up to now was missed by, or sent before the restart to, every client of its user.
  const lastProduced = production.produced - 1;
  for (const c of clients) {
    const needed = Math.floor((lastProduced - c.user) / USERS) + 1;
    c.expect(lastProduced, needed);
  }
  let rssPeak = 0;
  const sampler = setInterval(() => void request<{ rss: number }>(api, 'mem').then((m) => (rssPeak = Math.max(rssPeak, m.rss))), 500);
  phase = 'after';
  await connectAll(clients, `ws://127.0.0.1:${port}/api/v1/live`);
  await sleep(AFTER_S * 1000);
  phase = 'done';
  await producing;

  const expected = (c: Client): number => production.producedPerUser[c.user]!;
  const drainUntil = Date.now() + 30_000;
  while (Date.now() < drainUntil && clients.some((c) => c.seen.size < expected(c))) await sleep(200);
  clearInterval(sampler);
  const mem = await request<{ cpu: NodeJS.CpuUsage }>(api, 'mem');
  const metrics = await request<{ text: string }>(api, 'metrics');
  const resumed = (from: string): number => Number(metrics.text.split('\n').find((l) => l.startsWith(`nightjar_ws_resumes_total{from="${from}"} `))?.split(' ').pop() ?? Number.NaN);
  const catchUps = clients.filter((c) => c.caughtUpAt !== undefined).map((c) => c.caughtUpAt! - ready).sort((a, b) => a - b);
  const missing = clients.reduce((sum, c) => sum + Math.max(0, expected(c) - c.seen.size), 0);
  const duplicates = clients.reduce((sum, c) => sum + c.duplicates, 0);
  for (const c of clients) c.ws?.terminate();
  await producer.disconnect();
  await stopChild(api);
  await dropBenchTopics(kafka, config, prefix, users);
  return {
    replayMessages,
    clients: CLIENTS,
    produced: production.produced,
    complete: missing === 0 && duplicates === 0,
    missing,
    duplicates,
    catchUpMs: { p50: Math.max(0, quantile(catchUps, 0.5)), p99: Math.max(0, quantile(catchUps, 0.99)), max: Math.max(0, catchUps.at(-1) ?? Number.NaN) },
    neverCaughtUp: CLIENTS - catchUps.length,
    resumes: { window: resumed('window'), kafka: resumed('kafka') },
    newApi: { cpuSeconds: Math.round(((mem.cpu.user + mem.cpu.system - cpuBefore.user - cpuBefore.system) / 1e6) * 100) / 100, rssPeakMb: Math.round(rssPeak / 1024 / 1024) },
    loadAverage: Math.round(loadavg()[0]! * 10) / 10,
  };
}

const runs: RunResult[] = [];
for (let i = 0; i < RUNS; i++) {
  const result = await oneRun(i, REPLAY[i % REPLAY.length]!);
  console.error(`run ${i + 1}/${RUNS}: ${JSON.stringify(result)}`);
  runs.push(result);
}
const byReplay = Object.fromEntries(
  REPLAY.map((replayMessages) => {
    const these = runs.filter((r) => r.replayMessages === replayMessages);
    return [
      `replayMessages ${replayMessages}`,
      {
        runs: these.length,
        complete: these.every((r) => r.complete),
        catchUpMsP50: median(these.map((r) => r.catchUpMs.p50)),
        catchUpMsP99: median(these.map((r) => r.catchUpMs.p99)),
        catchUpMsMax: median(these.map((r) => r.catchUpMs.max)),
        resumesFromKafka: median(these.map((r) => r.resumes.kafka)),
        newApiCpuSeconds: median(these.map((r) => r.newApi.cpuSeconds)),
        newApiRssPeakMb: median(these.map((r) => r.newApi.rssPeakMb)),
      },
    ];
  }),
);
const results = {
  machine: { cpus: cpus().length, node: process.version },
  settings: { clients: CLIENTS, users: USERS, matchesPerSecond: RATE, secondsBefore: BEFORE_S, gapSeconds: GAP_S, secondsAfter: AFTER_S, replayMessages: REPLAY, runs: RUNS },
  median: byReplay,
  runs,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${values.out}`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exit(0);
