/**
 * The pipeline's throughput with and without live-feed clients attached (bench/ws.ts measures the
 * feeds themselves): N synthetic ZTF alerts on a fresh input topic, one user whose filter matches
 * nearly all of them, a worker process (bench/ws-worker.ts), and the time from the first to the
 * last enriched alert committed. Run A has no api role (with --api-always, the api role with no
 * client); run B has the api role (bench/ws-api.ts) with C websocket clients subscribed to the
 * user's matches, 10 % of them stalled, all on this machine. --api-always isolates what the
 * clients cost from what an idle api role costs (its state-topic followers), which a deployment
 * pays with or without clients. Runs alternate A, B, A, B, ... The clients run in a process of their own
 * (bench/ws-clients.ts), at the given niceness: they stand for subscribers on other machines, and
 * with --clients-nice 19 they get this machine's CPU only after the worker, the api role and Kafka.
 * --api-nice 19 does the same for the api role, the nearest this machine comes to cores of its
 * own: what remains of the clients' cost reaches the pipeline other than through CPU time (Kafka,
 * the cores' shared cache and memory). Each run records the machine's CPU by kind while the
 * worker runs (machineCpu: how much was idle, how much went to niced processes), and the CPU time
 * per 1,000 alerts of the worker and of the local Kafka broker: whether the clients make the
 * pipeline's own work dearer, or only take some of the machine's cores from it. Between runs the
 * broker removes the deleted topics' files at once, and the next run waits for that (see
 * local-broker.ts).
 *
 *   npx tsx bench/ws-pipeline.ts [--alerts 2000] [--clients 1000] [--users 1] [--pairs 2] [--clients-nice 0] [--api-nice 0] [--coalesce-ms N] [--api-always] [--out ws-pipeline.json] [--profile-api DIR]
 * Writes bench/results/<out>. With one user every match goes to every healthy client, the heaviest
 * case; with --users U the clients are spread over U users whose filters match disjoint slices of
 * the sky (RA), so each match goes to about C/U clients, as when users follow their own matches.
 * --profile-api DIR writes a V8 CPU profile of each api-role process there (node --cpu-prof).
 * --coalesce-ms sets live.coalesceMs for the api role (default: the configuration's).
 * --pin gives the worker CPU 0 and the api role and the clients CPU 1 (taskset; Kafka and this
 * process float), as a deployment runs them in pods of their own: what the clients cost the
 * pipeline when they do not share the worker's core.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { loadConfig, type Config } from '../src/config/index.js';
import { expressionErrors } from '../src/filter/lang-matcher.js';
import { userTopic } from '../src/filter/model.js';
import { FilterStore } from '../src/filter/store.js';
import { syntheticAlerts } from '../src/ingest/synthetic.js';
import { loadRubinSchemas } from '../src/ingest/wire.js';
import { MAX_RECORD_BYTES } from '../src/kafka/admin.js';
import { createKafka, createProducer } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { createPlatform } from '../src/platform/platform.js';
import { cpuTicks, localKafkaPid, promptTopicDeletion, TICKS_PER_SECOND } from './local-broker.js';
import { forkBench, request, sleep, stopChild } from './ws-common.js';

const { values } = parseArgs({ options: { alerts: { type: 'string', default: '2000' }, clients: { type: 'string', default: '1000' }, users: { type: 'string', default: '1' }, pairs: { type: 'string', default: '2' }, 'clients-nice': { type: 'string', default: '0' }, 'api-nice': { type: 'string', default: '0' }, 'coalesce-ms': { type: 'string' }, out: { type: 'string', default: 'ws-pipeline.json' }, 'profile-api': { type: 'string' }, 'api-always': { type: 'boolean', default: false }, pin: { type: 'boolean', default: false } } });
const PIN = values.pin === true;
const API_ALWAYS = values['api-always'] === true;
const ALERTS = Number(values.alerts);
const CLIENTS = Number(values.clients);
const USERS = Number(values.users);
const PAIRS = Number(values.pairs);
const CLIENTS_NICE = Number(values['clients-nice']);
const API_NICE = Number(values['api-nice']);
const COALESCE_MS = values['coalesce-ms'] === undefined ? undefined : Number(values['coalesce-ms']);
const logger = silentLogger();
const base = loadConfig({ overrides: { log: { level: 'silent' } } });
const kafka = createKafka(base, logger);
const kafkaPid = localKafkaPid(base);

/** The machine's CPU time by kind (/proc/stat, in clock ticks), both cores together. */
function machineTicks(): number[] {
  return readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
}
const TICK_KINDS = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
/** Shares of the machine's CPU time (both cores = 1) by kind between two machineTicks(). */
function cpuShares(before: number[], after: number[]): Record<(typeof TICK_KINDS)[number], number> {
  const delta = after.map((t, i) => t - before[i]!);
  const total = delta.reduce((a, b) => a + b, 0) || 1;
  return Object.fromEntries(TICK_KINDS.map((kind, i) => [kind, Math.round((delta[i]! / total) * 1000) / 1000])) as Record<(typeof TICK_KINDS)[number], number>;
}

function child(script: string, config: Config, profileDir?: string, env: Record<string, string> = {}): ChildProcess {
  return forkBench(script, config, { execArgv: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [], env });
}
/** With --pin, keeps every thread of `proc` (and those it starts later) on the given CPUs. */
function pin(proc: ChildProcess, cpus: string): ChildProcess {
  if (PIN && proc.pid !== undefined) execFileSync('taskset', ['-a', '-p', '-c', cpus, String(proc.pid)], { stdio: 'ignore' });
  return proc;
}

function once<T>(proc: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    const listener = (m: { type: string }) => {
      if (m.type === type) {
        proc.off('message', listener);
        resolve(m as T);
      }
    };
    proc.on('message', listener);
  });
}

const alerts: { key: string; value: Buffer }[] = [];
for await (const a of syntheticAlerts({ survey: 'ztf', count: ALERTS, seed: 7, rubinSchemas: loadRubinSchemas() })) alerts.push({ key: a.key, value: a.value });

async function createTopics(admin: Admin, names: { input: string[]; enriched: string; deadLetter: string; users: string; tokens: string; filters: string; notices: string; models: string; filterStats: string }): Promise<void> {
  const big = [{ name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) }];
  const compact = [{ name: 'cleanup.policy', value: 'compact' }];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: names.input[0]!, numPartitions: 3, configEntries: big },
      { topic: names.enriched, numPartitions: 3, configEntries: big },
      { topic: names.deadLetter, numPartitions: 1, configEntries: big },
      ...[names.users, names.tokens, names.filters, names.models, names.filterStats].map((topic) => ({ topic, numPartitions: 1, configEntries: compact })),
      { topic: names.notices, numPartitions: 1 },
    ],
  });
}

interface Run {
  withClients: boolean;
  alertsPerSecond: number;
  seconds: number;
  loadAverage: number;
  /** With clients: frames the healthy clients received in all (after delivery settled) and while the worker ran. */
  delivered?: number;
  deliveredWhileWorkerRan?: number;
  /** CPU time of the api role from the worker's start until delivery settled, and per delivered frame. */
  apiCpuSeconds?: number;
  apiMicrosecondsPerFrame?: number | null;
  /** CPU time of the clients' process over the same span. */
  clientsCpuSeconds?: number;
  /** The machine's CPU time by kind while the worker ran (both cores = 1; niced processes' user time is under nice). */
  machineCpu: Record<(typeof TICK_KINDS)[number], number>;
  /**
   * CPU time per 1,000 alerts while the worker ran (from its first to its last enriched alert,
   * /proc ticks of 10 ms) of the worker process and of the Kafka broker: whether the clients make
   * the pipeline's own work dearer (shared cache, the broker serving the api role's fetches) or
   * only take turns on the cores with it.
   */
  workerCpuMsPerThousand: number;
  kafkaCpuMsPerThousand: number | null;
}

async function oneRun(index: number, withClients: boolean): Promise<Run> {
  const prefix = `wspipe${Date.now().toString(36)}r${index}`;
  const names = { input: [`${prefix}-input`], enriched: `${prefix}-enriched`, deadLetter: `${prefix}-dlq`, users: `${prefix}-users`, tokens: `${prefix}-tokens`, filters: `${prefix}-filters`, notices: `${prefix}-notices`, models: `${prefix}-models`, filterStats: `${prefix}-stats` };
  const admin = kafka.admin();
  await admin.connect();
  // Right after a broker (re)start, waiting for leaders can fail with UNKNOWN_TOPIC_OR_PARTITION: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      await createTopics(admin, names);
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(1_000 * attempt);
    }
  }
  const config = loadConfig({ overrides: { log: { level: 'silent' }, topics: names, runner: { instanceId: prefix, groupPrefix: prefix }, filters: { runawayShare: 1, maxMatchesPerSecond: 100_000 }, live: { maxConnections: CLIENTS + 100, ...(COALESCE_MS === undefined ? {} : { coalesceMs: COALESCE_MS }) } } });
  const platform = createPlatform(kafka, config, logger);
  const filters = new FilterStore(kafka, config, logger, expressionErrors);
  await Promise.all([platform.start(), filters.start()]);
  const users = Array.from({ length: USERS }, (_, u) => `${prefix}-u${u}`);
  const tokens: string[][] = [];
  for (const [u, user] of users.entries()) {
    await platform.users.create({ name: user });
    tokens.push([]);
    for (let t = 0; t < Math.ceil(CLIENTS / USERS / 10); t++) tokens[u]!.push((await platform.tokens.issue({ owner: user, scopes: ['read'], lifetimeMs: 3_600_000 })).token);
    const expression = USERS === 1 ? 'mag < 99' : `ra >= ${(360 * u) / USERS} and ra < ${(360 * (u + 1)) / USERS}`;
    await filters.create({ id: `${prefix}-f${u}`, owner: user, expression });
    await filters.activate(`${prefix}-f${u}`, user);
  }
  await Promise.all([platform.stop(), filters.stop()]);

  let api: ChildProcess | undefined;
  let clients: ChildProcess | undefined;
  let port = 0;
  if (withClients || API_ALWAYS) {
    api = pin(child('./ws-api.ts', config, values['profile-api'], { BENCH_API_NICE: String(API_NICE) }), '1');
    ({ port } = await once<{ port: number }>(api, 'ready'));
  }
  if (withClients) {
    clients = pin(child('./ws-clients.ts', config, undefined, { BENCH_CLIENTS_NICE: String(CLIENTS_NICE) }), '1');
    const connected = once<{ type: string; message?: string }>(clients, 'ready');
    const failed = once<{ type: string; message?: string }>(clients, 'failed');
    clients.send({ type: 'connect', port, tokens, clients: CLIENTS, users: USERS });
    const outcome = await Promise.race([connected, failed]);
    if (outcome.type === 'failed') throw new Error(`clients could not connect: ${outcome.message}`);
  }
  const clientCount = async (): Promise<{ delivered: number; cpuSeconds: number }> => {
    if (!clients) return { delivered: 0, cpuSeconds: 0 };
    const { delivered, cpu } = await request<{ delivered: number; cpu: NodeJS.CpuUsage }>(clients, 'count');
    return { delivered, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
  };

  const producer = createProducer(kafka);
  await producer.connect();
  for (let i = 0; i < alerts.length; i += 200) await producer.send({ topic: names.input[0]!, acks: -1, messages: alerts.slice(i, i + 200) });
  await producer.disconnect();

  // Count committed enriched alerts as they arrive; the clock runs from the first to the last.
  const consumer = kafka.consumer({ groupId: `${prefix}-count`, maxWaitTimeInMs: 100, readUncommitted: false });
  let seen = 0;
  let first = 0;
  let last = 0;
  await consumer.connect();
  await consumer.subscribe({ topic: names.enriched, fromBeginning: true });
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (seen === 0 && batch.messages.length > 0) first = Date.now();
      seen += batch.messages.length;
      last = Date.now();
    },
  });
  const apiCpu = async (): Promise<number> => {
    if (!api) return 0;
    const { cpu } = await request<{ cpu: NodeJS.CpuUsage }>(api, 'mem');
    return (cpu.user + cpu.system) / 1e6;
  };
  const apiCpuBefore = await apiCpu();
  const clientsCpuBefore = (await clientCount()).cpuSeconds;
  // Port 0 for the worker's health server: a port chosen in advance may meanwhile be a client's.
  const worker = pin(child('./ws-worker.ts', { ...config, api: { ...config.api, port: 0 } }), '0');
  await once(worker, 'ready');
  const deadline = Date.now() + 600_000;
  while (seen === 0 && Date.now() < deadline) await sleep(20);
  const ticksBefore = machineTicks();
  const seenBefore = seen;
  const workerTicksBefore = cpuTicks(worker.pid!);
  const kafkaTicksBefore = kafkaPid === null ? 0 : cpuTicks(kafkaPid);
  while (seen < ALERTS && Date.now() < deadline) await sleep(20);
  const machineCpu = cpuShares(ticksBefore, machineTicks());
  const perThousand = (ticks: number): number => Math.round((ticks / TICKS_PER_SECOND) * 1000 * (1000 / (seen - seenBefore)));
  const workerCpuMsPerThousand = perThousand(cpuTicks(worker.pid!) - workerTicksBefore);
  const kafkaCpuMsPerThousand = kafkaPid === null ? null : perThousand(cpuTicks(kafkaPid) - kafkaTicksBefore);
  const seconds = (last - first) / 1000;
  const load = loadavg()[0]!;
  const deliveredWhileWorkerRan = (await clientCount()).delivered;
  await stopChild(worker);
  // The api role's CPU per frame counts the frames it still owes after the worker is done: wait until delivery settles.
  let delivered = deliveredWhileWorkerRan;
  for (let before = -1, waited = 0; withClients && delivered !== before && waited < 60_000; waited += 1_000) {
    before = delivered;
    await sleep(1_000);
    delivered = (await clientCount()).delivered;
  }
  const apiCpuSeconds = (await apiCpu()) - apiCpuBefore;
  const clientsCpuSeconds = (await clientCount()).cpuSeconds - clientsCpuBefore;
  await consumer.disconnect();
  if (clients) await stopChild(clients);
  if (api) await stopChild(api);
  await admin.deleteTopics({ topics: [...names.input, names.enriched, names.deadLetter, names.users, names.tokens, names.filters, names.notices, names.models, names.filterStats, ...users.map(userTopic)] }).catch(() => undefined);
  await admin.disconnect();
  // The broker removes this run's files now, not during a later run.
  await deletion.settle();
  const fromClients = withClients
    ? {
        delivered,
        deliveredWhileWorkerRan,
        apiCpuSeconds: Math.round(apiCpuSeconds * 100) / 100,
        apiMicrosecondsPerFrame: delivered > 0 ? Math.round((apiCpuSeconds * 1e7) / delivered) / 10 : null,
        clientsCpuSeconds: Math.round(clientsCpuSeconds * 100) / 100,
      }
    : {};
  const idleApi = !withClients && API_ALWAYS ? { apiCpuSeconds: Math.round(apiCpuSeconds * 100) / 100 } : {};
  return { withClients, alertsPerSecond: Math.round(seen / seconds), seconds, loadAverage: Math.round(load * 10) / 10, machineCpu, workerCpuMsPerThousand, kafkaCpuMsPerThousand, ...fromClients, ...idleApi };
}

/** A run whose set-up fails (a busy broker refusing topic creation) is started again on fresh topics. */
async function oneRunRetried(index: number, withClients: boolean): Promise<Run> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await oneRun(index, withClients);
    } catch (err) {
      if (attempt >= 3) throw err;
      console.error(`run ${index} failed (${(err as Error).message}); again`);
      await sleep(5_000);
    }
  }
}

// ≈ 400 MB of topics per run, whose files the local broker removed a minute later by default,
// inside a later run's timed window one run in four (the broker's CPU per alert doubled there).
const deletion = await promptTopicDeletion(kafka, base);
const runs: Run[] = [];
try {
  for (let pair = 0; pair < PAIRS; pair++) {
    for (const withClients of [false, true]) {
      const result = await oneRunRetried(runs.length, withClients);
      console.error(JSON.stringify(result));
      runs.push(result);
    }
  }
} finally {
  await deletion.restore();
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** The median over pairs of (run with clients) / (run without) of a figure. */
const pairRatio = (figure: (run: Run) => number): number => median(Array.from({ length: PAIRS }, (_, p) => Math.round((figure(runs[2 * p + 1]!) / figure(runs[2 * p]!)) * 100) / 100));
const results = {
  settings: { alerts: ALERTS, clients: CLIENTS, users: USERS, stalledShare: 0.1, pairs: PAIRS, clientsNice: CLIENTS_NICE, apiNice: API_NICE, apiRoleInRunsWithoutClients: API_ALWAYS, pinned: PIN ? { worker: 'cpu 0', apiAndClients: 'cpu 1', kafkaAndBench: 'both' } : false, clientsProcess: 'bench/ws-clients.ts', coalesceMs: COALESCE_MS ?? base.live.coalesceMs, deletedTopicFilesRemovedBetweenRuns: deletion.local },
  median: {
    withoutClients: median(runs.filter((r) => !r.withClients).map((r) => r.alertsPerSecond)),
    withClients: median(runs.filter((r) => r.withClients).map((r) => r.alertsPerSecond)),
    /** Per pair (the run with clients over the run without, minutes apart): the noise of a shared machine cancels better than in the ratio of medians. */
    ratioWithToWithout: pairRatio((r) => r.alertsPerSecond),
    apiMicrosecondsPerFrame: median(runs.filter((r) => r.withClients).map((r) => r.apiMicrosecondsPerFrame ?? Number.NaN)),
    /** Per pair, as the throughput ratio: the worker's and the broker's CPU per alert with clients over without. */
    workerCpuRatioWithToWithout: pairRatio((r) => r.workerCpuMsPerThousand),
    kafkaCpuRatioWithToWithout: kafkaPid === null ? null : pairRatio((r) => r.kafkaCpuMsPerThousand ?? Number.NaN),
    loadAverage: median(runs.map((r) => r.loadAverage)),
  },
  runs,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${values.out}`, import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exit(0);
