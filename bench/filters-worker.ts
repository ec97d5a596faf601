/**
 * The worker's throughput with many active filters, against the real local Kafka (start it with
 * `npx nightjar services start`; run `npm run build` first). For each filter count (default
 * 0, 1,000 and 10,000 science-case filters from src/filter/lang/generate.ts, owned by 50 users
 * with their per-user topics), a worker process (`nightjar run --roles worker`) enriches the
 * same synthetic ZTF alerts and publishes the matches; throughput is timed from the first to
 * the last committed enriched alert (filters are compiled before the worker consumes), and the
 * worker's own counters give the matches it published. The counts alternate in each round
 * so drift on the shared machine hits them alike; medians over the rounds.
 *   npx tsx bench/filters-worker.ts [--ztf 3000] [--counts 0,1000,10000] [--rounds 3]
 * Writes bench/results/filters-worker.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../src/config/index.js';
import { expressionErrors } from '../src/filter/lang-matcher.js';
import { scienceFilter, seededRandom, type Targets } from '../src/filter/lang/generate.js';
import { activated, newFilter, userTopic } from '../src/filter/model.js';
import { FilterStore } from '../src/filter/store.js';
import { AlertDecoder } from '../src/ingest/index.js';
import { syntheticAlerts } from '../src/ingest/synthetic.js';
import { loadRubinSchemas } from '../src/ingest/wire.js';
import { MAX_RECORD_BYTES } from '../src/kafka/admin.js';
import { createKafka } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { promptTopicDeletion } from './local-broker.js';
import { dropTopics, startWorker, stopWorker } from './worker-process.js';

const { values } = parseArgs({ options: { ztf: { type: 'string', default: '3000' }, counts: { type: 'string', default: '0,1000,10000' }, rounds: { type: 'string', default: '3' } } });
const run = `fw${Date.now().toString(36)}`;
const logger = silentLogger();
const base = loadConfig({ overrides: { log: { level: 'silent' } } });
const kafka = createKafka(base, logger);
// Each run's topics are removed from the broker's disk before the next run starts.
const deletion = await promptTopicDeletion(kafka, base);
const OWNERS = Array.from({ length: 50 }, (_, i) => `${run}o${i}`);

interface Msg {
  key: string;
  value: Buffer;
}

async function alertsAndTargets(count: number): Promise<{ alerts: Msg[]; targets: Targets }> {
  const alerts: Msg[] = [];
  for await (const a of syntheticAlerts({ survey: 'ztf', count, seed: 11, rubinSchemas: loadRubinSchemas() })) alerts.push({ key: a.key, value: a.value });
  const decoder = new AlertDecoder({ config: base });
  const positions: Targets['positions'][number][] = [];
  const objectIds: string[] = [];
  for (const m of alerts.slice(0, 500)) {
    for (const o of await decoder.decodeMessage(m.value)) {
      if (!o.ok) continue;
      positions.push({ ra: o.alert.ra, dec: o.alert.dec });
      objectIds.push(o.alert.objectId);
    }
  }
  return { alerts, targets: { positions, objectIds } };
}

async function createTopics(topics: { topic: string; numPartitions: number; compact?: boolean }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const big = { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) };
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions, configEntries: t.compact ? [{ name: 'cleanup.policy', value: 'compact' }] : [big] })) });
  await admin.disconnect();
}

/** A compacted filters topic holding `count` active science filters. */
async function filtersTopic(count: number, targets: Targets): Promise<string> {
  const topic = `${run}-filters-${count}`;
  await createTopics([{ topic, numPartitions: 1, compact: true }]);
  const store = new FilterStore(kafka, { ...base, topics: { ...base.topics, filters: topic } }, logger, expressionErrors);
  await store.start();
  const rnd = seededRandom(count);
  const records = Array.from({ length: count }, (_, i) => activated(newFilter({ id: `${run}f${i}`, owner: OWNERS[i % OWNERS.length]!, expression: scienceFilter(rnd, targets) }, new Date()), undefined, new Date()));
  for (let i = 0; i < records.length; i += 10) await Promise.all(records.slice(i, i + 10).map((r) => store.topic.publish(r.id, r)));
  await store.stop();
  return topic;
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A counter's value from the worker's /metrics (summed over labels). */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

async function throughput(count: number, round: number, filters: string, alerts: Msg[]): Promise<Record<string, number>> {
  const prefix = `${run}-${count}-${round}`;
  const names = { input: `${prefix}-input`, enriched: `${prefix}-enriched`, deadLetter: `${prefix}-dlq`, models: `${prefix}-models`, notices: `${prefix}-notices` };
  await createTopics([
    { topic: names.input, numPartitions: 3 },
    { topic: names.enriched, numPartitions: 3 },
    { topic: names.deadLetter, numPartitions: 1 },
    { topic: names.models, numPartitions: 1, compact: true },
    { topic: names.notices, numPartitions: 1 },
  ]);
  const config = loadConfig({ overrides: { log: { level: 'silent' }, topics: { ...names, filters, input: [names.input] }, runner: { groupPrefix: prefix, instanceId: prefix }, filters: { runawayShare: 1, maxMatchesPerSecond: 1_000_000 } } });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < alerts.length; i += 50) await producer.send({ topic: names.input, acks: -1, messages: alerts.slice(i, i + 50) });
  await producer.disconnect();
  let seen = 0;
  let first = 0;
  const consumer = kafka.consumer({ groupId: `${names.enriched}-reader`, readUncommitted: false, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic: names.enriched, fromBeginning: true });
  await consumer.run({ eachBatch: async ({ batch }) => {
    if (seen === 0) first = Date.now();
    seen += batch.messages.length;
  } });
  const port = 18_000 + Math.floor(Math.random() * 1_000);
  const worker = startWorker(config, port);
  await waitUntil(() => seen >= alerts.length, 900_000);
  const finished = Date.now();
  const matches = await metric(port, 'nightjar_filter_matches_total');
  const active = await metric(port, 'nightjar_filters_active');
  await stopWorker(worker);
  await consumer.disconnect();
  await dropTopics(kafka, Object.values(names), deletion);
  const seconds = (finished - first) / 1000;
  return { filters: count, activeInWorker: active, round, alertsPerSecond: Math.round((alerts.length - 1) / seconds), seconds, matches, matchesPerAlert: Number((matches / alerts.length).toFixed(2)), loadAverage: Number(loadavg()[0]!.toFixed(1)) };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const counts = values.counts!.split(',').map(Number);
const { alerts, targets } = await alertsAndTargets(Number(values.ztf));
const store = new FilterStore(kafka, base, logger, expressionErrors);
for (const owner of OWNERS) await store.ensureUserTopic(owner);
const topics = new Map<number, string>();
for (const count of counts) topics.set(count, await filtersTopic(count, targets));
const runs: Record<string, number>[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? counts : [...counts].reverse();
  for (const count of order) {
    const r = await throughput(count, round, topics.get(count)!, alerts);
    console.log(JSON.stringify(r));
    runs.push(r);
  }
}
await store.stop();
await dropTopics(kafka, [...topics.values(), ...OWNERS.map(userTopic)], deletion);
await deletion.restore();
const medians = Object.fromEntries(counts.map((c) => [c, median(runs.filter((r) => r.filters === c).map((r) => r.alertsPerSecond!))]));
const out = {
  measuredAt: new Date().toISOString(),
  machine: '2 cores, 24 GiB; Kafka single node on loopback; worker in its own process',
  alerts: { survey: 'ztf', count: alerts.length, note: 'synthetic ZTF alerts derived from the real ones (src/ingest/synthetic.ts)' },
  filters: 'science-case filters (scienceFilter), owners spread over 50 users',
  medianAlertsPerSecond: medians,
  ...(medians[1_000] && medians[10_000] ? { costRatio10kVs1k: Number((medians[1_000] / medians[10_000]).toFixed(2)) } : {}),
  runs,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/filters-worker.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify({ medianAlertsPerSecond: medians, costRatio10kVs1k: out.costRatio10kVs1k }));
process.exit(0);
