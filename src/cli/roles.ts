import { hostname } from 'node:os';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import '../alert/fields.js';
import '../annotate/fields.js';
import { allFields } from '../alert/catalogue.js';
import { alertToJSON } from '../alert/json.js';
import { createClickHouse } from '../clickhouse/client.js';
import { createSinkStage, sinkSubscription } from '../sink/index.js';
import { ModelFollower } from '../annotate/models.js';
import { AnnotateState } from '../annotate/state.js';
import { WatchState } from '../annotate/watch/state.js';
import { TrainerStage } from '../annotate/trainer-stage.js';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { FilterEngine } from '../filter/engine.js';
import { StatsReporter } from '../filter/stats-report.js';
import { expressionErrors } from '../filter/lang-matcher.js';
import { FilterStore } from '../filter/store.js';
import { JobResults } from '../jobs/results.js';
import { JobRunner } from '../jobs/runner.js';
import { JobStore } from '../jobs/store.js';
import { inputTopics } from '../kafka/admin.js';
import { AlertDecoder } from '../ingest/index.js';
import type { Logger } from '../log/logger.js';
import { WorkerStage } from '../publish/worker-stage.js';
import { StageRunner, type Stoppable } from '../runner/index.js';

export const roleNames = ['worker', 'sink', 'trainer', 'api', 'jobs'] as const;
export type RoleName = (typeof roleNames)[number];

export interface RoleContext {
  config: Config;
  logger: Logger;
  registry: Registry;
  kafka: Kafka;
}

type RoleFactory = (ctx: RoleContext) => Promise<Stoppable[]>;

/** Survey alerts are 70-250 kB: fetch enough per partition that a batch amortises its transaction. */
const WORKER_FETCH = { maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 };

/** Stable per host (and per role), so a restarted member fences its predecessor's open transaction at once. */
function instanceId(config: Config, role: string): string {
  return `${config.runner.instanceId || hostname()}-${role}`;
}

export interface Worker {
  runner: StageRunner;
  filters: FilterEngine;
  annotate: AnnotateState;
  /** Stops intake first (the runner drains and commits), then the followers. */
  stop(): Promise<void>;
}

/** The worker role's parts, started: filters and models loaded before the first alert is consumed. */
export async function createWorker({ config, logger, registry, kafka }: RoleContext): Promise<Worker> {
  const log = logger.child({ role: 'worker' });
  const decoder = new AlertDecoder({ config, logger: log });
  const watch = new WatchState({ kafka, config, logger: log, registry });
  await watch.start();
  const annotate = await AnnotateState.create(config, kafka, log, [watch]);
  const filters = new FilterEngine(kafka, config, log, registry);
  await filters.start();
  const stats = new StatsReporter({ kafka, topic: config.topics.filterStats, instance: instanceId(config, 'worker'), intervalMs: config.filters.statsIntervalMs, collect: () => filters.activeStats(), logger: log });
  await stats.start();
  const stage = new WorkerStage(
    config,
    {
      decode: (bytes) => decoder.decodeMessage(bytes, { cutouts: true }),
      annotate: (alerts) => annotate.annotate(alerts),
      match: (alert, now, streamMs) => filters.match(alert, now, streamMs),
      toJSON: (alert, opts) => alertToJSON(alert, opts),
    },
    log,
    registry,
  );
  const runner = new StageRunner({ stage, kafka, config, logger: log, registry, groupId: `${config.runner.groupPrefix}-worker`, topics: inputTopics(config), transactional: true, fetch: WORKER_FETCH, instanceId: instanceId(config, 'worker') });
  await runner.start();
  return {
    runner,
    filters,
    annotate,
    async stop() {
      await runner.stop();
      await Promise.allSettled([stats.stop().then(() => filters.stop()), annotate.stop(), watch.stop()]);
    },
  };
}

const worker: RoleFactory = async (ctx) => {
  const w = await createWorker(ctx);
  return [{ name: 'worker', stop: () => w.stop(), finished: () => w.runner.finished() }];
};

const trainer: RoleFactory = async ({ config, logger, registry, kafka }) => {
  const log = logger.child({ role: 'trainer' });
  const models = new ModelFollower(kafka, config, log);
  await models.start();
  const stage = new TrainerStage(config, models, log);
  const runner = new StageRunner({ stage, kafka, config, logger: log, registry, groupId: `${config.runner.groupPrefix}-trainer`, topics: [config.topics.enriched], instanceId: instanceId(config, 'trainer') });
  await runner.start();
  return [runner, { name: 'models', stop: () => models.stop() }];
};

const sink: RoleFactory = async ({ config, logger, registry, kafka }) => {
  const log = logger.child({ role: 'sink' });
  const client = createClickHouse(config);
  const stage = await createSinkStage({ config, client, fields: allFields(), logger: log, registry });
  const { topics, patterns } = sinkSubscription(config);
  const runner = new StageRunner({ stage, kafka, config, logger: log, registry, groupId: `${config.runner.groupPrefix}-sink`, topics: [...topics, ...patterns], instanceId: instanceId(config, 'sink') });
  await runner.start();
  return [runner, { name: 'sink-clickhouse', stop: () => client.close() }];
};

const jobs: RoleFactory = async ({ config, logger, registry, kafka }) => {
  const log = logger.child({ role: 'jobs' });
  const clickhouse = createClickHouse(config, { database: config.clickhouse.database, quiet: true });
  const store = new JobStore(kafka, config, log);
  const filters = new FilterStore(kafka, config, log, expressionErrors);
  const runner = new JobRunner({ kafka, config, logger: log, registry, store, filters, clickhouse, results: new JobResults(clickhouse, config.clickhouse.database) });
  await runner.start();
  return [{ name: 'jobs', stop: async () => {
    await runner.stop();
    await Promise.allSettled([store.stop(), filters.stop(), clickhouse.close()]);
  } }];
};

// The api role's routes are registered on the shared server by the server itself; nothing else to run.
const api: RoleFactory = async () => [];

const factories: Record<RoleName, RoleFactory> = { worker, sink, trainer, api, jobs };

export function parseRoles(text: string): RoleName[] {
  const roles = text.split(',').map((r) => r.trim()).filter(Boolean);
  for (const role of roles) {
    if (!(roleNames as readonly string[]).includes(role)) throw new NightjarError('CONFIG_INVALID', `unknown role "${role}"; allowed roles: ${roleNames.join(', ')}`);
  }
  if (roles.length === 0) throw new NightjarError('CONFIG_INVALID', `no roles given; allowed roles: ${roleNames.join(', ')}`);
  return [...new Set(roles)] as RoleName[];
}

export async function startRole(role: RoleName, ctx: RoleContext): Promise<Stoppable[]> {
  return factories[role](ctx);
}
