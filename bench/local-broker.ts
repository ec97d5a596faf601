/**
 * What the benchmarks learn from and do to this machine directly: processes' CPU time (/proc,
 * Linux) and the local Kafka broker that `nightjar services start` runs (its process, and when
 * it removes the files of deleted topics).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';
import type { Config } from '../src/config/index.js';
import { kafkaPaths, localKafka } from '../src/services/kafka-local.js';
import { runningPid } from '../src/services/process.js';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat, after the command name). */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** The process id of the local Kafka broker, or null when it is not running here or the configuration names other brokers. */
export function localKafkaPid(config: Config): number | null {
  if (config.kafka.brokers.length > 0) return null;
  const service = localKafka(config);
  return runningPid(service.pidFile, service.marker);
}

const DELETE_DELAY = 'log.segment.delete.delay.ms';

/** What a benchmark that deletes large topics between its runs does to the local broker (see promptTopicDeletion). */
export interface TopicDeletion {
  /** Whether the local broker runs here, so deleted topics' files are removed between runs. */
  readonly local: boolean;
  /** Waits until the deleted topics' files are gone (at once when the broker is elsewhere). */
  settle(): Promise<void>;
  /** Puts the broker's setting back. */
  restore(): Promise<void>;
}

/**
 * For a benchmark that deletes hundreds of megabytes of topics between runs: the local broker
 * removes a deleted topic's files a minute later by default, which lands inside a later run and
 * slows it. With the local broker running, this has it remove them at once
 * (log.segment.delete.delay.ms 0, a dynamic override on the broker) until restore(), and
 * settle() waits until they are gone; before it returns, it waits for those of earlier
 * invocations. With the broker elsewhere, both do nothing.
 */
export async function promptTopicDeletion(kafka: Kafka, config: Config): Promise<TopicDeletion> {
  if (localKafkaPid(config) === null) return { local: false, settle: async () => undefined, restore: async () => undefined };
  const admin = kafka.admin();
  await admin.connect();
  const { type, name, entries } = await brokerConfig(admin);
  // AlterConfigs replaces all of a broker's dynamic settings (configSource 2), so the others go along unchanged.
  const overrides = entries.filter((e) => e.configSource === 2 && e.configName !== DELETE_DELAY).map((e) => ({ name: e.configName, value: e.configValue }));
  const previous = entries.find((e) => e.configName === DELETE_DELAY && e.configSource === 2);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type, name, configEntries: [...overrides, { name: DELETE_DELAY, value: '0' }] }] });
  const { data } = kafkaPaths(config);
  const deletion: TopicDeletion = {
    local: true,
    async settle() {
      const deadline = Date.now() + 90_000;
      while (existsSync(data) && readdirSync(data).some((entry) => entry.endsWith('-delete')) && Date.now() < deadline) await sleep(250);
    },
    async restore() {
      const restored = previous ? [...overrides, { name: DELETE_DELAY, value: previous.configValue }] : overrides;
      await admin.alterConfigs({ validateOnly: false, resources: [{ type, name, configEntries: restored }] });
      await admin.disconnect();
    },
  };
  await deletion.settle();
  return deletion;
}

/** The settings of the (first) broker of a cluster, as AlterConfigs and DescribeConfigs name it. */
export async function brokerConfig(admin: Admin, configNames?: string[]) {
  const { brokers } = await admin.describeCluster();
  const name = String(brokers[0]!.nodeId);
  const type = kafkajs.ConfigResourceTypes.BROKER;
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type, name, configNames }] });
  return { type, name, entries: described.resources[0]!.configEntries };
}
