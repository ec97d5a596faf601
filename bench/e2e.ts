/**
 * End-to-end benchmark against the real local Kafka (start it with `npx nightjar services start`;
 * run `npm run build` first): a worker process (`nightjar run --roles worker`) between a replay
 * and the enriched and per-user topics.
 *
 *  1. throughput: N synthetic alerts already on the input topic, the worker started, time until
 *     all N enriched alerts are committed (read_committed), per survey;
 *  2. latency: a filter active, alerts produced at a steady rate (default 333/s, the Rubin
 *     average), latency from each alert's produce time to its match arriving on the user's topic.
 *
 *   npx tsx bench/e2e.ts [--ztf 3000] [--lsst 300] [--latency-rates 333,150] [--seconds 30]
 * Writes bench/results/e2e.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { loadConfig, type Config } from '../src/config/index.js';
import { FilterStore } from '../src/filter/store.js';
import { expressionErrors } from '../src/filter/lang-matcher.js';
import { userTopic } from '../src/filter/model.js';
import { syntheticAlerts } from '../src/ingest/synthetic.js';
import { loadRubinSchemas } from '../src/ingest/wire.js';
import { MAX_RECORD_BYTES } from '../src/kafka/admin.js';
import { createKafka } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { promptTopicDeletion } from './local-broker.js';
import { dropTopics, startWorker, stopWorker } from './worker-process.js';

const { values } = parseArgs({ options: { ztf: { type: 'string', default: '3000' }, lsst: { type: 'string', default: '300' }, seconds: { type: 'string', default: '30' }, 'latency-rates': { type: 'string', default: '333' } } });
const run = `bench${Date.now().toString(36)}`;
const logger = silentLogger();
const base = loadConfig({ overrides: { log: { level: 'silent' } } });
const kafka = createKafka(base, logger);
// Each phase's topics are removed from the broker's disk before the next phase starts.
const deletion = await promptTopicDeletion(kafka, base);

interface Msg {
  key: string;
  value: Buffer;
}

async function synthetic(survey: 'ztf' | 'lsst', count: number, seed: number): Promise<Msg[]> {
  const out: Msg[] = [];
  for await (const a of syntheticAlerts({ survey, count, seed, rubinSchemas: loadRubinSchemas() })) out.push({ key: a.key, value: a.value });
  return out;
}

async function topics(prefix: string): Promise<Config> {
  const admin = kafka.admin();
  await admin.connect();
  const names = { input: `${prefix}-input`, enriched: `${prefix}-enriched`, deadLetter: `${prefix}-dlq`, filters: `${prefix}-filters`, models: `${prefix}-models`, notices: `${prefix}-notices` };
  const big = [{ name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) }];
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: names.input, numPartitions: 3, configEntries: big },
      { topic: names.enriched, numPartitions: 3, configEntries: big },
      { topic: names.deadLetter, numPartitions: 1, configEntries: big },
      { topic: names.filters, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: names.models, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      { topic: names.notices, numPartitions: 1 },
    ],
  });
  await admin.disconnect();
  return loadConfig({ overrides: { log: { level: 'silent' }, topics: { ...names, input: [names.input] }, runner: { groupPrefix: prefix, instanceId: prefix }, filters: { runawayShare: 1, maxMatchesPerSecond: 1_000_000 } } });
}

/** The topics `topics(prefix)` created for a phase. */
function phaseTopics({ topics: t }: Config): string[] {
  return [...t.input, t.enriched, t.deadLetter, t.filters, t.models, t.notices];
}

/** Counts committed records on a topic as they arrive; calls back with the receive time per key. */
async function follow(k: Kafka, topic: string, onMessage: (key: string, receivedAt: number) => void): Promise<() => Promise<void>> {
  const consumer = k.consumer({ groupId: `${topic}-reader`, readUncommitted: false, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({ eachBatch: async ({ batch }) => batch.messages.forEach((m) => onMessage(m.key?.toString() ?? '', Date.now())) });
  return () => consumer.disconnect();
}

async function waitUntil(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function throughput(survey: 'ztf' | 'lsst', count: number): Promise<Record<string, number>> {
  const config = await topics(`${run}-${survey}`);
  const alerts = await synthetic(survey, count, 11);
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < alerts.length; i += 50) await producer.send({ topic: config.topics.input[0]!, acks: -1, messages: alerts.slice(i, i + 50) });
  await producer.disconnect();
  const bytes = alerts.reduce((n, a) => n + a.value.length, 0);
  let seen = 0;
  let first = 0;
  const stop = await follow(kafka, config.topics.enriched, () => {
    if (seen === 0) first = Date.now();
    seen += 1;
  });
  const started = Date.now();
  const worker = startWorker(config);
  await waitUntil(() => seen >= count, 600_000);
  const finished = Date.now();
  await stopWorker(worker);
  await stop();
  await dropTopics(kafka, phaseTopics(config), deletion);
  const steady = (finished - first) / 1000;
  return { alerts: count, meanBytes: Math.round(bytes / count), secondsIncludingStartup: (finished - started) / 1000, alertsPerSecond: Math.round((count - 1) / steady), megabytesPerSecond: +((bytes / 1e6) / steady).toFixed(1) };
}

async function latency(rate: number, seconds: number): Promise<Record<string, number>> {
  const config = await topics(`${run}-latency${rate}`);
  const owner = `${run}-owner${rate}`.replace(/[^a-z0-9_-]/g, '');
  const store = new FilterStore(kafka, config, logger, expressionErrors);
  await store.start();
  await store.create({ id: `${owner}-all`, owner, expression: 'exists(mag) and mag < 30' });
  await store.activate(`${owner}-all`, owner);
  const alerts = await synthetic('ztf', Math.ceil(rate * seconds), 23);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const stop = await follow(kafka, userTopic(owner), (key, receivedAt) => {
    const sent = sentAt.get(key);
    if (sent !== undefined) latencies.push(receivedAt - sent);
  });
  const worker = startWorker(config);
  await new Promise((r) => setTimeout(r, 8_000)); // worker joined and loaded the filter
  const producer = kafka.producer();
  await producer.connect();
  const t0 = Date.now();
  const perTick = Math.max(1, Math.round(rate / 50));
  for (let i = 0; i < alerts.length; i += perTick) {
    const due = t0 + (i / rate) * 1000;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const slice = alerts.slice(i, i + perTick);
    const now = Date.now();
    for (const a of slice) sentAt.set(a.key, now);
    await producer.send({ topic: config.topics.input[0]!, acks: -1, messages: slice });
  }
  const expected = alerts.length;
  await waitUntil(() => latencies.length >= expected * 0.99, 120_000).catch(() => undefined);
  // Then until nothing more arrives for 3 s, so the slowest matches are in the quantiles too.
  for (let before = -1; latencies.length !== before && latencies.length < expected; ) {
    before = latencies.length;
    await new Promise((r) => setTimeout(r, 3_000));
  }
  await stopWorker(worker);
  await Promise.all([producer.disconnect(), stop(), store.stop()]);
  await dropTopics(kafka, [...phaseTopics(config), userTopic(owner)], deletion);
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))]!;
  return { ratePerSecond: rate, seconds, alerts: expected, matches: latencies.length, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: latencies[latencies.length - 1]! };
}

async function sequential<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = [];
  for (const task of tasks) out.push(await task());
  return out;
}

const results = {
  measuredAt: new Date().toISOString(),
  machine: '2 cores, 24 GiB; Kafka 3.9.1 single node on loopback; worker in its own process',
  throughputZtf: await throughput('ztf', Number(values.ztf)),
  throughputLsst: await throughput('lsst', Number(values.lsst)),
  matchLatency: await sequential(values['latency-rates']!.split(',').map((r) => () => latency(Number(r), Number(values.seconds)))),
};
await deletion.restore();
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/e2e.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
process.exit(0);
