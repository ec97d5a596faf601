/**
 * What the benchmarks learn from and do to this machine directly: processes' CPU time (/proc,
 * Linux) and the local Kafka broker that `nightjar services start` runs (its process, and when
 * it removes the files of deleted topics).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin } from 'kafkajs';
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

/** The process id of the local Kafka broker, or null when it is not running here. */
export function localKafkaPid(config: Config): number | null {
  const service = localKafka(config);
  return runningPid(service.pidFile, service.marker);
}

const DELETE_DELAY = 'log.segment.delete.delay.ms';

/**
 * Makes the broker remove a deleted topic's files at once instead of a minute later (its
 * log.segment.delete.delay.ms, set on the broker as a dynamic override), so that removing one
 * run's hundreds of megabytes does not land in the middle of a later run. Returns a function
 * that puts the broker's setting back. AlterConfigs replaces all of a broker's dynamic settings,
 * so the others it has are passed along unchanged.
 */
export async function deleteTopicFilesAtOnce(admin: Admin): Promise<() => Promise<void>> {
  const { brokers } = await admin.describeCluster();
  const name = String(brokers[0]!.nodeId);
  const type = kafkajs.ConfigResourceTypes.BROKER;
  const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type, name }] });
  // configSource 2: DYNAMIC_BROKER_CONFIG, an override set on this broker.
  const overrides = described.resources[0]!.configEntries.filter((e) => e.configSource === 2 && e.configName !== DELETE_DELAY).map((e) => ({ name: e.configName, value: e.configValue }));
  const previous = described.resources[0]!.configEntries.find((e) => e.configName === DELETE_DELAY && e.configSource === 2);
  await admin.alterConfigs({ validateOnly: false, resources: [{ type, name, configEntries: [...overrides, { name: DELETE_DELAY, value: '0' }] }] });
  return async () => {
    const restored = previous ? [...overrides, { name: DELETE_DELAY, value: previous.configValue }] : overrides;
    await admin.alterConfigs({ validateOnly: false, resources: [{ type, name, configEntries: restored }] });
  };
}

/** Waits (up to `timeoutMs`) until the local broker has no deleted topic's files left on disk. */
export async function deletedTopicFilesGone(config: Config, timeoutMs = 60_000): Promise<void> {
  const { data } = kafkaPaths(config);
  if (!existsSync(data)) return;
  const deadline = Date.now() + timeoutMs;
  while (readdirSync(data).some((entry) => entry.endsWith('-delete')) && Date.now() < deadline) await sleep(250);
}
