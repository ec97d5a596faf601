import type { Kafka } from 'kafkajs';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { MAX_RECORD_BYTES } from '../kafka/admin.js';
import { StateTopic } from '../kafka/state-topic.js';
import { activated, checkName, newFilter, parseFilterRecord, paused, userTopic, withVersion, type FilterOutput, type FilterRecord } from './model.js';

export interface FilterNotice {
  filterId: string;
  owner: string;
  version: number | null;
  kind: 'runaway-paused' | 'rate-limited' | 'invalid-version';
  message: string;
  at: string;
}

/** Checks an expression before it is stored; returns human-readable errors (empty when valid). */
export type ExpressionCheck = (expression: string) => string[];

/**
 * Filters on the event log: the operations users and operators perform (create, new version,
 * activate, pause), each publishing the filter's new record to the compacted filters topic.
 * Every process that holds a FilterStore sees every change within seconds.
 */
export class FilterStore {
  readonly topic: StateTopic<FilterRecord>;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: Config,
    logger: Logger,
    private readonly check: ExpressionCheck,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.topic = new StateTopic<FilterRecord>({ kafka, topic: config.topics.filters, logger, parse: parseFilterRecord });
  }

  start(): Promise<void> {
    return this.topic.start();
  }

  stop(): Promise<void> {
    return this.topic.stop();
  }

  get(id: string): FilterRecord | undefined {
    return this.topic.get(id);
  }

  /** The filters a user may read: their own and public ones. */
  visibleTo(user: string): FilterRecord[] {
    return this.topic.values().filter((f) => f.owner === user || f.public);
  }

  ownedBy(user: string): FilterRecord[] {
    return this.topic.values().filter((f) => f.owner === user);
  }

  async create(fields: { id: string; owner: string; name?: string; description?: string; public?: boolean; expression: string; output?: Partial<FilterOutput> }): Promise<FilterRecord> {
    for (const problem of [checkName('filter id', fields.id), checkName('owner', fields.owner)]) {
      if (problem) throw new NightjarError('REQUEST_INVALID', problem);
    }
    if (this.get(fields.id)) throw new NightjarError('REQUEST_INVALID', `filter ${fields.id} already exists`);
    this.assertValid(fields.expression);
    const record = newFilter(fields, this.clock());
    await this.topic.publish(record.id, record);
    return record;
  }

  async addVersion(id: string, owner: string, expression: string, output?: Partial<FilterOutput>): Promise<FilterRecord> {
    const filter = this.owned(id, owner);
    this.assertValid(expression);
    const record = withVersion(filter, expression, output, this.clock());
    await this.topic.publish(id, record);
    return record;
  }

  async activate(id: string, owner: string, version?: number): Promise<FilterRecord> {
    const filter = this.owned(id, owner);
    if (version !== undefined && !filter.versions.some((v) => v.version === version)) throw new NightjarError('NOT_FOUND', `filter ${id} has no version ${version}`);
    const record = activated(filter, version, this.clock());
    await this.ensureUserTopic(owner);
    await this.topic.publish(id, record);
    return record;
  }

  async pause(id: string, owner: string, reason: string | null = null): Promise<FilterRecord> {
    const record = paused(this.owned(id, owner), reason, this.clock());
    await this.topic.publish(id, record);
    return record;
  }

  /** The owner's match topic exists before the first match is produced (idempotent). */
  async ensureUserTopic(owner: string): Promise<void> {
    const topic = userTopic(owner);
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(topic)) return;
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: [{ topic, numPartitions: this.config.kafka.partitions, replicationFactor: this.config.kafka.replicationFactor, configEntries: [{ name: 'retention.ms', value: String(this.config.filters.topicRetentionHours * 3_600_000) }, { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) }] }],
        })
        .catch(async (err: unknown) => {
          if (!(await admin.listTopics()).includes(topic)) throw err; // created meanwhile by another process is fine
        });
    } catch (err) {
      throw new NightjarError('KAFKA_UNAVAILABLE', `could not create the match topic ${topic}: ${(err as Error).message}`, { cause: err });
    } finally {
      await admin.disconnect();
    }
  }

  private owned(id: string, owner: string): FilterRecord {
    const filter = this.get(id);
    if (!filter || filter.owner !== owner) throw new NightjarError('NOT_FOUND', `no filter ${id} owned by ${owner}`);
    return filter;
  }

  private assertValid(expression: string): void {
    const errors = this.check(expression);
    if (errors.length > 0) throw new NightjarError('FILTER_PARSE', errors.join('\n'), { details: { errors } });
  }
}
