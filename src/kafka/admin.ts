import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { createKafka } from './client.js';

// kafkajs is CommonJS and Node cannot see this enum as a named export.
const { ConfigResourceTypes } = kafkajs;

export interface TopicSpec {
  topic: string;
  /** Compacted topics keep the latest value per key forever (platform state); the rest expire. */
  compacted: boolean;
  configEntries: { name: string; value: string }[];
}

/** Largest record on Nightjar's stream topics (16 MiB): a Rubin alert with its history and cutouts as JSON. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Input topics from configuration: `/pattern/` entries become regular expressions. */
export function inputTopics(config: Config): (string | RegExp)[] {
  return config.topics.input.map((entry) => {
    const m = /^\/(.+)\/$/.exec(entry);
    return m ? new RegExp(m[1]!) : entry;
  });
}

/** The configured input topics among `existing` (the cluster's topics): names present, and those a pattern matches; sorted. */
export function existingInputTopics(config: Config, existing: readonly string[]): string[] {
  const wanted = inputTopics(config);
  return existing.filter((topic) => wanted.some((w) => (typeof w === 'string' ? w === topic : w.test(topic)))).sort();
}

/** Platform state: the latest record per key is the truth, so these are compacted, never expired. */
const COMPACTED_TOPICS = ['users', 'tokens', 'filters', 'watchlists', 'jobs', 'models', 'filterStats'] as const;
/** Streams with time-based retention. */
const STREAM_TOPICS = ['ztf', 'lsst', 'enriched', 'deadLetter', 'notices'] as const;

/** The topics Nightjar needs and their settings (pure: from the configuration alone). */
export function topicPlan(config: Config): TopicSpec[] {
  const retentionMs = String(config.kafka.retentionHours * 3_600_000);
  const streams = STREAM_TOPICS.map((key) => ({
    topic: config.topics[key],
    compacted: false,
    configEntries: [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: retentionMs },
      // Enriched alerts with history and cutouts can pass Kafka's 1 MB default.
      { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) },
    ],
  }));
  const state = COMPACTED_TOPICS.map((key) => ({ topic: config.topics[key], compacted: true, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }));
  // Two settings naming one topic would be created once; dedupe keeps createTopics from refusing the batch.
  const seen = new Set<string>();
  return [...streams, ...state].filter((spec) => !seen.has(spec.topic) && seen.add(spec.topic));
}

export interface EnsureTopicsResult {
  created: string[];
  existing: string[];
}

/**
 * Creates the topics of topicPlan() that do not exist (partitions and replication factor from the
 * configuration). Idempotent: existing topics are left as they are; an existing state topic that
 * is not compacted is reported, since altering it would be a decision for its operator.
 */
export async function ensureTopics(config: Config, logger: Logger, kafka: Kafka = createKafka(config, logger)): Promise<EnsureTopicsResult> {
  const log = logger.child({ component: 'topics' });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const plan = topicPlan(config);
    const present = new Set(await admin.listTopics());
    const missing = plan.filter((spec) => !present.has(spec.topic));
    if (missing.length > 0) await createTopics(admin, config, missing);
    const created = missing.map((spec) => spec.topic);
    const existing = plan.filter((spec) => present.has(spec.topic)).map((spec) => spec.topic);
    if (created.length > 0) log.info({ topics: created }, 'created topics');
    await warnUncompacted(admin, plan.filter((spec) => spec.compacted && present.has(spec.topic)), log);
    return { created, existing };
  } catch (err) {
    if (err instanceof NightjarError) throw err;
    throw new NightjarError('KAFKA_UNAVAILABLE', `could not create the Nightjar topics: ${(err as Error).message}`, { cause: err });
  } finally {
    await admin.disconnect();
  }
}

async function createTopics(admin: Admin, config: Config, specs: TopicSpec[]): Promise<void> {
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: specs.map(({ topic, configEntries }) => ({
        topic,
        numPartitions: config.kafka.partitions,
        replicationFactor: config.kafka.replicationFactor,
        configEntries,
      })),
    });
  } catch (err) {
    // Another process created some of them between our listing and our request: that is the goal.
    const present = new Set(await admin.listTopics());
    if (!specs.every((spec) => present.has(spec.topic))) throw err;
  }
}

/** The cleanup policy of each topic, from the broker. */
export async function cleanupPolicies(admin: Admin, topics: string[]): Promise<Map<string, string>> {
  const policies = new Map<string, string>();
  if (topics.length === 0) return policies;
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy'] })),
  });
  for (const resource of described.resources) {
    const entry = resource.configEntries.find((e) => e.configName === 'cleanup.policy');
    if (entry) policies.set(resource.resourceName, entry.configValue);
  }
  return policies;
}

async function warnUncompacted(admin: Admin, specs: TopicSpec[], log: Logger): Promise<void> {
  const policies = await cleanupPolicies(admin, specs.map((spec) => spec.topic));
  for (const [topic, policy] of policies) {
    if (!policy.split(',').includes('compact')) log.warn({ topic, policy }, 'state topic exists without cleanup.policy=compact; old state may expire');
  }
}
