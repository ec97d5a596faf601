import type { ClickHouseClient } from '@clickhouse/client';
import type { Admin, Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { tableName } from '../../clickhouse/identifiers.js';
import { existingInputTopics } from '../../kafka/admin.js';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log/logger.js';
import type { ReadinessCheck } from '../readiness.js';

/** What GET /api/v1/status reports; every figure says where it comes from (docs/dashboard.md). */
export interface StatusReport {
  at: string;
  ingest: {
    topics: string[];
    /** Sum of the input topics' end offsets: messages the surveys have produced (within retention or not). */
    produced: number;
    /** Rates over the window between the oldest kept sample and now; null until two samples exist. */
    producedPerSecond: number | null;
    consumedPerSecond: number | null;
    windowSeconds: number | null;
  };
  groups: GroupStatus[];
  deadLetters: { source: 'archive'; total: number | null; byReason: { code: string; count: number }[]; error: string | null };
  dependencies: { name: string; ok: boolean; detail: string }[];
  /** Counters of the roles running in this API process (a worker in the same process); empty otherwise. */
  thisProcess: { uptimeSeconds: number; counters: { name: string; labels: Record<string, string | number>; value: number }[] };
}

export interface GroupStatus {
  role: 'worker' | 'sink' | 'trainer';
  group: string;
  /** Kafka's group state (Stable, Empty, PreparingRebalance, Dead when unknown...). */
  state: string;
  members: { clientId: string; host: string }[];
  /** Messages between the group's committed offsets and the end of each topic it commits for; null if it never committed. */
  lag: number | null;
  partitions: { topic: string; partition: number; committed: number; end: number; lag: number }[];
}

interface Sample {
  at: number;
  produced: number;
  consumed: number;
}

/** Counters of this process worth showing (a worker running in the API process). */
const LOCAL_COUNTERS = ['nightjar_alerts_consumed_total', 'nightjar_alerts_decoded_total', 'nightjar_alerts_dead_lettered_total', 'nightjar_filter_matches_total', 'nightjar_sink_rows_total'];
const SAMPLE_WINDOW_MS = 5 * 60_000;
const DEAD_LETTER_TTL_MS = 10_000;

/**
 * The platform's state as the status page shows it, from sources that see every process: Kafka
 * (consumer groups' members and committed offsets against the topics' end offsets), the archive
 * (dead letters by reason) and the readiness checks. Ingest rates come from end offsets sampled on
 * each request, so they need two requests a few seconds apart.
 */
export class StatusSource {
  private admin: Admin | undefined;
  private connecting: Promise<Admin> | undefined;
  private readonly samples: Sample[] = [];
  private deadLetters: { at: number; value: StatusReport['deadLetters'] } | undefined;
  private readonly started = Date.now();

  constructor(
    private readonly kafka: Kafka,
    private readonly clickhouse: ClickHouseClient,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  async report(registry: Registry, readiness: readonly ReadinessCheck[]): Promise<StatusReport> {
    const admin = await this.connect();
    const topics = await this.inputTopics(admin);
    const [endOffsets, groups, deadLetters, dependencies] = await Promise.all([
      this.endOffsets(admin, topics),
      this.groups(admin),
      this.deadLetterCounts(),
      Promise.all(readiness.map(async (check) => ({ name: check.name, ...(await check.probe()) }))),
    ]);
    const produced = sum(endOffsets.values());
    const worker = groups.find((g) => g.role === 'worker');
    const consumed = worker ? sum(worker.partitions.filter((p) => topics.includes(p.topic)).map((p) => p.committed)) : 0;
    const rates = this.sample({ at: Date.now(), produced, consumed });
    return {
      at: new Date().toISOString(),
      ingest: { topics, produced, ...rates },
      groups,
      deadLetters,
      dependencies,
      thisProcess: { uptimeSeconds: Math.round((Date.now() - this.started) / 1_000), counters: await localCounters(registry) },
    };
  }

  async stop(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    this.connecting = undefined;
    await admin?.disconnect().catch(() => undefined);
  }

  private async connect(): Promise<Admin> {
    if (this.admin) return this.admin;
    this.connecting ??= (async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      this.admin = admin;
      return admin;
    })().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  /** Configured input topics, patterns (`/^ztf_.*\/`) resolved against the cluster's topics. */
  private async inputTopics(admin: Admin): Promise<string[]> {
    return existingInputTopics(this.config, await admin.listTopics());
  }

  private async endOffsets(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    await Promise.all(
      topics.map(async (topic) => {
        for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}:${p.partition}`, Number(p.high));
      }),
    );
    return out;
  }

  private async groups(admin: Admin): Promise<GroupStatus[]> {
    const roles = ['worker', 'sink', 'trainer'] as const;
    const ids = roles.map((role) => `${this.config.runner.groupPrefix}-${role}`);
    const described = await admin.describeGroups(ids);
    return Promise.all(
      roles.map(async (role, i) => {
        const group = ids[i]!;
        const info = described.groups.find((g) => g.groupId === group);
        const committed = await admin.fetchOffsets({ groupId: group });
        // One offsets request per topic, in parallel: the sink commits for every user's match topic.
        const perTopic = await Promise.all(
          committed.map(async ({ topic, partitions: parts }) => {
            const live = parts.filter((p) => Number(p.offset) >= 0);
            if (live.length === 0) return [];
            const ends = new Map((await admin.fetchTopicOffsets(topic).catch(() => [])).map((p) => [p.partition, Number(p.high)]));
            return live.map((p) => {
              const end = ends.get(p.partition) ?? Number(p.offset);
              return { topic, partition: p.partition, committed: Number(p.offset), end, lag: Math.max(0, end - Number(p.offset)) };
            });
          }),
        );
        const partitions: GroupStatus['partitions'] = perTopic.flat();
        partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
        return {
          role,
          group,
          state: info?.state ?? 'Dead',
          members: (info?.members ?? []).map((m) => ({ clientId: m.clientId, host: m.clientHost })),
          lag: partitions.length > 0 ? sum(partitions.map((p) => p.lag)) : null,
          partitions,
        };
      }),
    );
  }

  /** Dead letters archived by the sink, by error code (cached briefly: the status page polls). */
  private async deadLetterCounts(): Promise<StatusReport['deadLetters']> {
    if (this.deadLetters && Date.now() - this.deadLetters.at < DEAD_LETTER_TTL_MS) return this.deadLetters.value;
    let value: StatusReport['deadLetters'];
    try {
      const query = `SELECT code, count() AS n FROM ${tableName(this.config.clickhouse.database, 'dead_letters')} FINAL GROUP BY code ORDER BY n DESC, code`;
      const rows = await (await this.clickhouse.query({ query, format: 'JSONEachRow' })).json<{ code: string; n: string | number }>();
      const byReason = rows.map((r) => ({ code: r.code, count: Number(r.n) }));
      value = { source: 'archive', total: sum(byReason.map((r) => r.count)), byReason, error: null };
    } catch (err) {
      this.logger.debug({ err }, 'dead letter counts unavailable');
      value = { source: 'archive', total: null, byReason: [], error: err instanceof Error ? err.message.slice(0, 300) : String(err) };
    }
    this.deadLetters = { at: Date.now(), value };
    return value;
  }

  /** Keeps samples over the last few minutes; rates are taken between the oldest and the newest. */
  private sample(now: Sample): Pick<StatusReport['ingest'], 'producedPerSecond' | 'consumedPerSecond' | 'windowSeconds'> {
    while (this.samples.length > 0 && now.at - this.samples[0]!.at > SAMPLE_WINDOW_MS) this.samples.shift();
    const first = this.samples[0];
    if (this.samples.length === 0 || now.at - this.samples.at(-1)!.at >= 1_000) this.samples.push(now);
    if (!first || now.at - first.at < 1_000) return { producedPerSecond: null, consumedPerSecond: null, windowSeconds: null };
    const seconds = (now.at - first.at) / 1_000;
    const rate = (delta: number): number => Math.round((Math.max(0, delta) / seconds) * 10) / 10;
    return { producedPerSecond: rate(now.produced - first.produced), consumedPerSecond: rate(now.consumed - first.consumed), windowSeconds: Math.round(seconds) };
  }
}

async function localCounters(registry: Registry): Promise<StatusReport['thisProcess']['counters']> {
  const out: StatusReport['thisProcess']['counters'] = [];
  for (const name of LOCAL_COUNTERS) {
    const metric = registry.getSingleMetric(name);
    if (!metric) continue;
    for (const value of (await metric.get()).values) out.push({ name, labels: { ...value.labels } as Record<string, string | number>, value: value.value });
  }
  return out;
}

function sum(values: Iterable<number>): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}
