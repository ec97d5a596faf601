import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { StateTopic } from '../kafka/state-topic.js';
import type { Logger } from '../log/logger.js';
import { checkParams, isFinished, newJob, parseJobRecord, type JobKind, type JobRecord } from './model.js';

/**
 * Jobs on the event log: every process that holds a JobStore follows the compacted jobs topic and
 * sees every job's latest record. The api role submits and cancels; the jobs role claims, reports
 * progress and finishes. A finished job is removed (a tombstone) when its results expire.
 */
export class JobStore {
  readonly topic: StateTopic<JobRecord>;

  constructor(
    kafka: Kafka,
    private readonly config: Config,
    logger: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.topic = new StateTopic<JobRecord>({ kafka, topic: config.topics.jobs, logger, parse: parseJobRecord });
  }

  start(): Promise<void> {
    return this.topic.start();
  }

  stop(): Promise<void> {
    return this.topic.stop();
  }

  get(id: string): JobRecord | undefined {
    return this.topic.get(id);
  }

  all(): JobRecord[] {
    return this.topic.values();
  }

  ownedBy(owner: string): JobRecord[] {
    return this.topic.values().filter((job) => job.owner === owner).sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.id.localeCompare(b.id));
  }

  /** Checks the parameters and the user's limit, then queues the job. */
  async submit(owner: string, kind: JobKind, rawParams: Record<string, unknown>): Promise<JobRecord> {
    const params = checkParams(kind, rawParams);
    const open = this.ownedBy(owner).filter((job) => !isFinished(job)).length;
    if (open >= this.config.jobs.maxPerUser) throw new NightjarError('JOB_LIMIT', `you have ${open} queued or running jobs; the limit is ${this.config.jobs.maxPerUser}`, { details: { open, limit: this.config.jobs.maxPerUser } });
    const job = newJob({ id: `job-${randomUUID()}`, owner, kind, params }, this.clock());
    await this.topic.publish(job.id, job);
    return job;
  }

  /** Publishes the job's next record (the same id), stamped with the time of the change. */
  async update(job: JobRecord, change: Partial<JobRecord>): Promise<JobRecord> {
    const next: JobRecord = { ...job, ...change, updatedAt: this.clock().toISOString() };
    await this.topic.publish(job.id, next);
    return next;
  }

  /** A queued job is cancelled at once; a running one is asked to stop (the runner marks it cancelled). */
  async cancel(job: JobRecord): Promise<JobRecord> {
    if (job.state === 'queued') return this.update(job, { state: 'cancelled', finishedAt: this.clock().toISOString(), cancelRequested: true, expiresAt: this.expiry() });
    if (job.state === 'running') return this.update(job, { cancelRequested: true });
    return job;
  }

  async remove(id: string): Promise<void> {
    await this.topic.publish(id, null);
  }

  /** When a job finishing now expires. */
  expiry(): string {
    return new Date(this.clock().getTime() + this.config.jobs.resultTtlHours * 3_600_000).toISOString();
  }
}
