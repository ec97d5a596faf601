/**
 * A worker process (`nightjar run --roles worker`, from the build in dist/) for the end-to-end
 * benchmarks: the benchmark's topics, consumer group and filter limits reach it as environment
 * variables, its HTTP server (/metrics) listens on `port`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Kafka } from 'kafkajs';
import { envName, type Config } from '../src/config/index.js';
import type { TopicDeletion } from './local-broker.js';

const PASSED = ['topics.input', 'topics.enriched', 'topics.deadLetter', 'topics.filters', 'topics.models', 'topics.notices', 'runner.groupPrefix', 'runner.instanceId', 'filters.runawayShare', 'filters.maxMatchesPerSecond'];

export function startWorker(config: Config, port = 18_000 + Math.floor(Math.random() * 1_000)): ChildProcess {
  const env: Record<string, string> = { ...process.env } as Record<string, string>;
  for (const path of PASSED) {
    const [section, key] = path.split('.') as [keyof Config, string];
    const value = (config[section] as Record<string, unknown>)[key];
    env[envName(path)] = Array.isArray(value) ? value.join(',') : String(value);
  }
  env[envName('log.level')] = 'warn';
  env[envName('api.port')] = String(port);
  return spawn(process.execPath, ['bin/nightjar.js', 'run', '--roles', 'worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Stops a worker with SIGTERM and waits for it to exit (a worker still running re-creates topics deleted under it). */
export async function stopWorker(worker: ChildProcess): Promise<void> {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  await exited;
}

/**
 * Deletes topics a benchmark is done with (a run writes hundreds of MB or more; left behind, they
 * slow the runs after it), and waits until the broker has removed their files (`deletion`).
 */
export async function dropTopics(kafka: Kafka, topics: string[], deletion: TopicDeletion): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await admin.disconnect();
  await deletion.settle();
}
