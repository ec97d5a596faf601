import type { Admin, Consumer, ConsumerConfig, IHeaders, Kafka, Producer } from 'kafkajs';
import type { Config } from '../../src/config/index.js';
import { createKafka, createProducer } from '../../src/kafka/client.js';
import { silentLogger } from '../../src/log/logger.js';
import { registerCleanup } from './cleanup.js';
import { testConfig } from './config.js';
import { uniqueName } from './names.js';
import { waitFor } from './wait.js';

/** Connected clients for one test (or one file), closed by its cleanup. */
export interface KafkaKit {
  config: Config;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  /** A further consumer, disconnected with the kit. */
  consumer(options?: Partial<ConsumerConfig>): Consumer;
  /** A fresh topic, deleted with the kit. */
  createTopic(options?: TopicOptions): Promise<string>;
}

export interface TopicOptions {
  partitions?: number;
  prefix?: string;
}

/** A record as tests look at it: key and value as text. */
export interface SeenMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: IHeaders;
}

export async function withKafka(config: Config = testConfig()): Promise<KafkaKit> {
  const kafka = createKafka(config, silentLogger());
  const admin = kafka.admin();
  const producer = createProducer(kafka);
  const consumers: Consumer[] = [];
  const topics: string[] = [];
  registerCleanup(async () => {
    await Promise.allSettled(consumers.map((c) => c.disconnect()));
    if (topics.length > 0) await admin.deleteTopics({ topics }).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  });
  await admin.connect();
  await producer.connect();
  return {
    config,
    kafka,
    admin,
    producer,
    consumer(options = {}) {
      const consumer = kafka.consumer({ groupId: uniqueName('test-group'), maxWaitTimeInMs: 200, ...options });
      consumers.push(consumer);
      return consumer;
    },
    async createTopic(options = {}) {
      const topic = await makeTopic(admin, options);
      topics.push(topic);
      return topic;
    },
  };
}

/** Creates a uniquely named topic and deletes it when the test (or file) is done. */
export async function createTestTopic(admin: Admin, options: TopicOptions = {}): Promise<string> {
  const topic = await makeTopic(admin, options);
  registerCleanup(() => admin.deleteTopics({ topics: [topic] }).catch(() => undefined));
  return topic;
}

async function makeTopic(admin: Admin, { partitions = 1, prefix = 'test' }: TopicOptions): Promise<string> {
  const topic = uniqueName(prefix);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

/** Produces text messages in chunks (acks=all); a string is a value with the same text as key. */
export async function produceMessages(producer: Producer, topic: string, messages: readonly (string | { key: string | null; value: string })[], chunk = 500): Promise<void> {
  for (let start = 0; start < messages.length; start += chunk) {
    const slice = messages.slice(start, start + chunk).map((m) => (typeof m === 'string' ? { key: m, value: m } : m));
    await producer.send({ topic, messages: slice, acks: -1 });
  }
}

export interface ConsumeOptions {
  /** Stop once this many messages were seen (then read on for settleMs to catch extras). */
  count: number;
  timeoutMs?: number;
  /** Keeps reading this long after count is reached, so duplicates beyond count show up too (ms). */
  settleMs?: number;
  /** read_committed (default): only committed transactional records, as exactly-once readers see them. */
  readCommitted?: boolean;
}

/**
 * Reads a topic from the beginning with a fresh group until `count` messages arrived or the timeout
 * passed, and returns everything seen (possibly fewer than count: the caller asserts).
 */
export async function consumeAll(kafka: Kafka, topic: string, options: ConsumeOptions): Promise<SeenMessage[]> {
  const { count, timeoutMs = 30_000, settleMs = 500, readCommitted = true } = options;
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200, readUncommitted: !readCommitted });
  const seen: SeenMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic: t, partition, message }) => {
        seen.push({ topic: t, partition, offset: message.offset, key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers: message.headers ?? {} });
      },
    });
    await waitFor(() => seen.length >= count, { timeoutMs, message: `${count} messages on ${topic}` }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, settleMs));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** The group's committed offsets on a topic, by partition (-1 where nothing is committed). */
export async function committedOffsets(admin: Admin, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return new Map((entry?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]));
}

/** Values that occur more than once, with their counts. */
export function duplicates(values: readonly (string | null)[]): Map<string | null, number> {
  const counts = new Map<string | null, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return new Map([...counts].filter(([, n]) => n > 1));
}

/** Messages currently in a topic (sum over partitions of high − low watermark; counts transaction markers too). */
export async function topicSize(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, { high, low }) => sum + Number(BigInt(high) - BigInt(low)), 0);
}

/** Sum of a group's committed offsets on a topic (partitions with nothing committed count 0). */
export async function committedTotal(admin: Admin, groupId: string, topic: string): Promise<number> {
  let total = 0;
  for (const offset of (await committedOffsets(admin, groupId, topic)).values()) if (offset > 0n) total += Number(offset);
  return total;
}
