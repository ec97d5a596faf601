/**
 * How long Nightjar's short-lived Kafka readers take to start on a broker. Each of them is a
 * consumer in a group of its own (kafkajs cannot read a partition without a group), and a broker
 * holds the first join of an empty group for `group.initial.rebalance.delay.ms`: 0 on the local
 * broker of `nightjar services`, 3 s by default on any other. Measured here: a filter preview's
 * read of the newest input messages (TopicTail.newest), a platform state topic's start (it reads
 * the topic and returns once caught up), and a plain consumer's first record (as a live catch-up
 * reader or the shared live consumer start).
 *
 *   npx tsx bench/group-join.ts --brokers 127.0.0.1:9092[,other:port] [--runs 3] [--out group-join.json]
 * Each broker is given as one entry of a comma-separated list and measured on its own; the
 * broker's group.initial.rebalance.delay.ms is read back and reported with its figures.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import { TopicTail } from '../src/api/sources/recent.js';
import { loadConfig, type Config } from '../src/config/index.js';
import { createKafka } from '../src/kafka/client.js';
import { StateTopic } from '../src/kafka/state-topic.js';
import { silentLogger } from '../src/log/logger.js';
import { brokerConfig } from './local-broker.js';

const { values } = parseArgs({ options: { brokers: { type: 'string', default: '127.0.0.1:9092' }, runs: { type: 'string', default: '3' }, out: { type: 'string', default: 'group-join.json' } } });
const RUNS = Number(values.runs);
const logger = silentLogger();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await task();
  return Math.round(performance.now() - start);
}

async function joinDelay(kafka: Kafka): Promise<string> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const name = 'group.initial.rebalance.delay.ms';
    const { entries } = await brokerConfig(admin, [name]);
    return entries.find((e) => e.configName === name)?.configValue ?? 'unknown';
  } finally {
    await admin.disconnect();
  }
}

/** The time from a fresh private-group consumer's start until it holds its first record. */
async function firstRecord(kafka: Kafka, topic: string, run: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `bench-join-${Date.now().toString(36)}-${run}`, maxWaitTimeInMs: 100 });
  try {
    return await timed(async () => {
      let got: () => void = () => undefined;
      const first = new Promise<void>((resolve) => (got = resolve));
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async () => got() });
      await first;
    });
  } finally {
    await consumer.disconnect();
  }
}

async function measure(brokers: string): Promise<Record<string, unknown>> {
  const config: Config = loadConfig({ overrides: { log: { level: 'silent' }, kafka: { brokers: [brokers] } } });
  const kafka = createKafka(config, logger);
  const prefix = `bench-join-${Date.now().toString(36)}`;
  const input = `${prefix}-input`;
  const state = `${prefix}-state`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic: input, numPartitions: 3 }, { topic: state, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }] });
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: input, acks: -1, messages: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ n: i }) })) });
  await producer.send({ topic: state, acks: -1, messages: Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ n: i }) })) });
  await producer.disconnect();
  const runs: { previewMs: number; nextPreviewMs: number; stateTopicStartMs: number; firstRecordMs: number }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const preview = new TopicTail(kafka, { ...config, topics: { ...config.topics, input: [input] } }, logger);
    const previewMs = await timed(() => preview.newest(50));
    const nextPreviewMs = await timed(() => preview.newest(50));
    await preview.stop();
    const follower = new StateTopic({ kafka, topic: state, logger });
    const stateTopicStartMs = await timed(() => follower.start());
    await follower.stop();
    runs.push({ previewMs, nextPreviewMs, stateTopicStartMs, firstRecordMs: await firstRecord(kafka, input, run) });
  }
  const delay = await joinDelay(kafka);
  await admin.deleteTopics({ topics: [input, state] }).catch(() => undefined);
  await admin.disconnect();
  return {
    brokers,
    groupInitialRebalanceDelayMs: delay,
    medianMs: { preview: median(runs.map((r) => r.previewMs)), nextPreview: median(runs.map((r) => r.nextPreviewMs)), stateTopicStart: median(runs.map((r) => r.stateTopicStartMs)), firstRecord: median(runs.map((r) => r.firstRecordMs)) },
    runs,
  };
}

const results = [];
for (const brokers of values.brokers.split(',')) results.push(await measure(brokers));
const out = { settings: { runs: RUNS, date: new Date().toISOString().slice(0, 10) }, results };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL(`./results/${values.out}`, import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out, null, 2));
process.exit(0);
