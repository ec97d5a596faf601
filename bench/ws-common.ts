/**
 * What the live-feed benchmarks (bench/ws.ts, bench/ws-restart.ts) share: the api role's IPC
 * requests, a deployment of users with tokens and an active filter each, realistic match records
 * produced at a steady rate across the users' topics, and cleaning up the topics afterwards.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Kafka, Producer } from 'kafkajs';
import { loadConfig, type Config } from '../src/config/index.js';
import { expressionErrors } from '../src/filter/lang-matcher.js';
import { userTopic } from '../src/filter/model.js';
import { FilterStore } from '../src/filter/store.js';
import { createKafka } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { createPlatform } from '../src/platform/platform.js';

const logger = silentLogger();
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A benchmark script of this directory (e.g. ./ws-api.ts) in a process of its own, configured by `config` (BENCH_CONFIG), talking over IPC. */
export function forkBench(script: string, config: Config, options: { execArgv?: string[]; env?: Record<string, string> } = {}): ChildProcess {
  return fork(new URL(script, import.meta.url).pathname, [], { execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])], env: { ...process.env, ...options.env, BENCH_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** Asks a child started by forkBench to stop and resolves once it exited. */
export async function stopChild(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.on('exit', resolve));
  child.send({ type: 'stop' });
  await exited;
}

/** Sends `{ type }` to a child (bench/ws-api.ts) and resolves with its first reply of that type. */
export function request<T>(child: ChildProcess, type: string): Promise<T> {
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

/** Fresh platform topics named after `prefix`, and `users` users with a read token per 10 clients and an active filter each. */
export async function setup(prefix: string, options: { clients: number; users: number; live?: Partial<Config['live']> }): Promise<{ config: Config; tokens: string[][]; users: string[] }> {
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
  const config = loadConfig({ overrides: { log: { level: 'silent' }, topics: names, live: { maxConnections: options.clients + 100, ...options.live } } });
  const platform = createPlatform(kafka, config, logger);
  const filters = new FilterStore(kafka, config, logger, expressionErrors);
  await Promise.all([platform.start(), filters.start()]);
  const users: string[] = [];
  const tokens: string[][] = [];
  const tokensPerUser = Math.ceil(options.clients / options.users / 10);
  for (let u = 0; u < options.users; u++) {
    const name = `${prefix}-u${u}`;
    users.push(name);
    await platform.users.create({ name });
    const own: string[] = [];
    for (let t = 0; t < tokensPerUser; t++) own.push((await platform.tokens.issue({ owner: name, scopes: ['read'], lifetimeMs: 3_600_000 })).token);
    tokens.push(own);
    await filters.create({ id: `${name}-f`, owner: name, expression: 'mag < 20' });
    await filters.activate(`${name}-f`, name);
  }
  await Promise.all([platform.stop(), filters.stop()]);
  return { config, tokens, users };
}

/** The number of the n-th match produced (matchValue), from its alertId. */
export const MATCH_ID_BASE = 170_000_000_000;

/** A realistic match body (~2 KB of JSON): core fields, annotations, light-curve features. */
export function matchValue(owner: string, filterId: string, n: number): string {
  const alert: Record<string, unknown> = {
    survey: 'lsst', alertId: String(MATCH_ID_BASE + n), objectId: String(3_000_000 + (n % 5000)), mjd: 60_700 + n / 86_400, ra: (n * 0.37) % 360, dec: -30 + (n % 60), band: 'r',
    mag: 19.1, magErr: 0.05, flux: 5400.2, fluxErr: 210.5, snr: 25.7, reliability: 0.93, isPositive: true,
    xmatch: { brightstars: { sep: null, id: null, count: 0, ra: null, dec: null, cols: {} } },
    lc: { all: { ndet: 12, daysSinceFirst: 14.2, amplitude: 0.8, std: 0.21, dmdt: -0.03, slope: 0.01, peakMag: 18.7 }, r: { ndet: 6, rise: 0.1, fade: -0.05 }, g: { ndet: 6, rise: 0.12, fade: -0.04 } },
    anomaly: { score: 0.41, model: 'eif-v3' },
    watchlist: [],
  };
  return JSON.stringify({ filter: { id: filterId, version: 1, owner }, matchedAt: new Date().toISOString(), alert });
}

/** Matches produced round-robin over the users' topics, every 100 ms as many as the rate asks for. Match n goes to user n % users. */
export class MatchProduction {
  produced = 0;
  readonly producedPerUser: number[];

  constructor(
    private readonly producer: Producer,
    private readonly users: string[],
  ) {
    this.producedPerUser = new Array<number>(users.length).fill(0);
  }

  /** Produces `rate` matches per second (acks=all) until `done()` is true at a tick. */
  async run(rate: number, done: () => boolean): Promise<void> {
    const tickMs = 100;
    const began = Date.now();
    const startCount = this.produced;
    for (let tick = 0; !done(); tick++) {
      const due = startCount + Math.round(((tick + 1) * tickMs * rate) / 1000) - this.produced;
      const byTopic = new Map<string, { key: string; value: string; headers: Record<string, string> }[]>();
      for (let k = 0; k < due; k++) {
        const n = this.produced + k;
        const u = n % this.users.length;
        const owner = this.users[u]!;
        this.producedPerUser[u]! += 1;
        const list = byTopic.get(userTopic(owner)) ?? [];
        list.push({ key: String(n), value: matchValue(owner, `${owner}-f`, n), headers: { 'nightjar-filter-id': `${owner}-f`, 'nightjar-filter-version': '1' } });
        byTopic.set(userTopic(owner), list);
      }
      this.produced += due;
      if (byTopic.size > 0) await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      const wait = began + (tick + 1) * tickMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
  }
}

/** Deletes the users' match topics and the platform topics named after `prefix`. */
export async function dropBenchTopics(kafka: Kafka, config: Config, prefix: string, users: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [...users.map(userTopic), ...Object.values(config.topics).filter((t): t is string => typeof t === 'string' && t.startsWith(prefix))] }).catch(() => undefined);
  await admin.disconnect();
}
