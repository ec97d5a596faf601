import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { ArchiveQueries } from '../clickhouse/archive-queries.js';
import { createClickHouse } from '../clickhouse/client.js';
import { kafkaBrokers, type Config } from '../config/index.js';
import { expressionErrors } from '../filter/lang-matcher.js';
import { WatchStore } from '../annotate/watch/store.js';
import { FilterStore } from '../filter/store.js';
import { LiveHub } from '../live/hub.js';
import { JobResults } from '../jobs/results.js';
import { JobStore } from '../jobs/store.js';
import type { Logger } from '../log/logger.js';
import { createPlatform } from '../platform/platform.js';
import { createAlertTester } from './alert-tester.js';
import type { ApiServices } from './context.js';
import type { RateLimitSettings } from './rate-limit.js';
import { NoticeFollower } from './sources/notices.js';
import { TopicTail } from './sources/recent.js';
import { StatusSource } from './sources/status.js';
import { TopicStatsSource, type FilterStatsSource } from './sources/stats.js';

export interface StartApiOptions {
  /** Counters of a filter engine in this process; otherwise read from `statsTopic` when it exists. */
  stats?: FilterStatsSource;
  /** Compacted topic the workers report FilterStatsRecords to. */
  statsTopic?: string;
  rateLimit?: RateLimitSettings;
  clock?: () => Date;
  /** The process's metrics registry: with it, the live feeds (GET /api/v1/live) run here with shared topic readers. */
  registry?: Registry;
  /** Archive reads (startRoles builds them on its ClickHouse client and `clickhouse.database`). */
  archive?: ArchiveQueries;
}

export interface RunningApiServices extends ApiServices {
  stop(): Promise<void>;
}

/**
 * The api role's state, caught up before the server answers: users, tokens and filters followed
 * from their compacted topics, notices from the notices topic, statistics from the engine or topic.
 */
export async function startApiServices(kafka: Kafka, config: Config, logger: Logger, options: StartApiOptions = {}): Promise<RunningApiServices> {
  const log = logger.child({ component: 'api-state' });
  const platform = createPlatform(kafka, config, log, options.clock);
  const filters = new FilterStore(kafka, config, log, expressionErrors, options.clock);
  const notices = new NoticeFollower(kafka, config.topics.notices, log);
  // One client for the status page's dead-letter counts and for job results.
  const clickhouse = createClickHouse(config);
  const status = new StatusSource(kafka, clickhouse, config, log);
  const jobStore = new JobStore(kafka, config, log, options.clock);
  const watch = await WatchStore.open(kafka, config, log);
  const topicStats = options.stats || !options.statsTopic || !(await topicExists(kafka, options.statsTopic)) ? undefined : TopicStatsSource.create(kafka, options.statsTopic, log);
  const stoppables: { stop(): Promise<void> }[] = [platform, filters, notices, status, { stop: () => clickhouse.close() }, jobStore, { stop: () => watch.close() }, ...(topicStats ? [topicStats] : [])];
  try {
    await Promise.all([platform.start(), filters.start(), notices.start(), jobStore.start(), topicStats?.start()]);
  } catch (err) {
    await Promise.allSettled(stoppables.map((s) => s.stop()));
    throw err;
  }
  const live = options.registry ? new LiveHub({ kafka, config, platform, filters, registry: options.registry, logger, clock: options.clock }) : undefined;
  if (live) stoppables.unshift(live);
  const recent = new TopicTail(kafka, config, log);
  stoppables.push(recent);
  return {
    platform,
    filters,
    notices,
    stats: options.stats ?? topicStats,
    tester: createAlertTester(config, log),
    brokers: kafkaBrokers(config),
    rateLimit: options.rateLimit,
    clock: options.clock,
    live,
    archive: options.archive,
    jobs: { store: jobStore, results: new JobResults(clickhouse, config.clickhouse.database) },
    watch,
    status,
    recent,
    async stop() {
      await Promise.allSettled(stoppables.map((s) => s.stop()));
    },
  };
}

async function topicExists(kafka: Kafka, topic: string): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.listTopics()).includes(topic);
  } finally {
    await admin.disconnect();
  }
}
