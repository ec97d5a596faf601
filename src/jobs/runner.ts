import type { ClickHouseClient } from '@clickhouse/client';
import type { Kafka, Producer } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { asNightjarError, NightjarError } from '../errors/index.js';
import type { FilterStore } from '../filter/store.js';
import type { Logger } from '../log/logger.js';
import { executors, type JobExecutor } from './kinds.js';
import { isFinished, jobStates, type JobRecord } from './model.js';
import type { JobResults } from './results.js';
import type { JobStore } from './store.js';

export interface JobRunnerOptions {
  kafka: Kafka;
  config: Config;
  logger: Logger;
  registry: Registry;
  store: JobStore;
  filters: FilterStore;
  /** Default database: the archive. */
  clickhouse: ClickHouseClient;
  results: JobResults;
  /** How often queued jobs are looked for and expired ones removed (ms). */
  tickMs?: number;
  /** Least time between two progress records of one job (ms). */
  progressMs?: number;
  executors?: Partial<Record<JobRecord['kind'], JobExecutor>>;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The jobs role: runs queued jobs, at most `jobs.concurrency` at once, oldest first. A job is
 * claimed by publishing it as running (attempt + 1); its progress, result or error follow as new
 * records. Jobs found running at start were interrupted by a stop or crash: each is started again
 * (its earlier partial results are never read: results are per attempt) until `jobs.maxAttempts`,
 * then failed with JOB_INTERRUPTED. Finished jobs are deleted with their results once expired.
 * One jobs role per deployment (docs/jobs.md).
 */
export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly log: Logger;
  private readonly finished: Counter<'kind' | 'outcome'>;
  private timer: NodeJS.Timeout | undefined;
  private producer: Producer | undefined;
  private stopping = false;
  private scheduling = false;
  private readonly onChange = (id: string, job: JobRecord | undefined): void => {
    if (job?.cancelRequested) this.running.get(id)?.controller.abort(new NightjarError('JOB_CANCELLED', 'cancelled by its owner'));
    if (job?.state === 'queued') void this.schedule();
  };

  constructor(private readonly options: JobRunnerOptions) {
    this.log = options.logger.child({ component: 'jobs' });
    const { registry, store } = options;
    this.finished = new Counter({ name: 'nightjar_jobs_finished_total', help: 'Jobs finished, by kind and outcome (succeeded, failed, cancelled)', labelNames: ['kind', 'outcome'], registers: [registry] });
    new Gauge({
      name: 'nightjar_jobs',
      help: 'Jobs on the jobs topic by state',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const counts = new Map(jobStates.map((s) => [s, 0]));
        for (const job of store.all()) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
        for (const [state, n] of counts) this.set({ state }, n);
      },
    });
  }

  async start(): Promise<void> {
    const { store, filters } = this.options;
    await Promise.all([store.start(), filters.start()]);
    for (const job of store.all().filter((j) => j.state === 'running')) await this.interrupted(job);
    store.topic.on('change', this.onChange);
    this.timer = setInterval(() => void this.tick(), this.options.tickMs ?? 2_000);
    await this.schedule();
    this.log.info({ jobs: store.all().length, concurrency: this.options.config.jobs.concurrency }, 'jobs role started');
  }

  /** Stops taking jobs and aborts the running ones, which stay `running` and resume at the next start. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.options.store.topic.off('change', this.onChange);
    for (const run of this.running.values()) run.controller.abort(new NightjarError('JOB_INTERRUPTED', 'the jobs role is stopping'));
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.producer?.disconnect().catch(() => undefined);
  }

  /** Jobs running now in this process. */
  get active(): string[] {
    return [...this.running.keys()];
  }

  private async interrupted(job: JobRecord): Promise<void> {
    const { store, config } = this.options;
    if (job.attempts >= config.jobs.maxAttempts) {
      this.log.warn({ job: job.id, attempts: job.attempts }, 'job interrupted too often; failing it');
      await store.update(job, { state: 'failed', finishedAt: new Date().toISOString(), expiresAt: store.expiry(), error: { code: 'JOB_INTERRUPTED', message: `the jobs role stopped while the job ran, ${job.attempts} time(s); jobs.maxAttempts is ${config.jobs.maxAttempts}` } });
      this.finished.inc({ kind: job.kind, outcome: 'failed' });
      return;
    }
    this.log.info({ job: job.id, attempts: job.attempts }, 'resuming a job interrupted by a restart');
    await store.update(job, { state: 'queued', progress: null });
  }

  private async tick(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.expire();
      await this.schedule();
    } catch (err) {
      this.log.warn({ err }, 'jobs housekeeping failed; retrying at the next tick');
    }
  }

  private async expire(): Promise<void> {
    const now = Date.now();
    for (const job of this.options.store.all()) {
      if (!isFinished(job) || job.expiresAt === null || Date.parse(job.expiresAt) > now) continue;
      await this.options.results.delete(job.id);
      await this.options.store.remove(job.id);
      this.log.info({ job: job.id }, 'job expired; results deleted');
    }
  }

  private async schedule(): Promise<void> {
    if (this.scheduling || this.stopping) return;
    this.scheduling = true;
    try {
      const queued = this.options.store.all().filter((j) => j.state === 'queued' && !this.running.has(j.id)).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
      for (const job of queued) {
        if (this.running.size >= this.options.config.jobs.concurrency || this.stopping) break;
        const controller = new AbortController();
        const entry: Running = { controller, done: Promise.resolve() };
        this.running.set(job.id, entry);
        entry.done = this.run(job, controller).finally(() => {
          this.running.delete(job.id);
          void this.schedule();
        });
      }
    } finally {
      this.scheduling = false;
    }
  }

  /** The latest record of the job with a change applied (so a cancel published meanwhile is kept). */
  private async publish(id: string, change: Partial<JobRecord>): Promise<JobRecord | undefined> {
    const latest = this.options.store.get(id);
    if (!latest) return undefined;
    return this.options.store.update(latest, change);
  }

  private async run(queued: JobRecord, controller: AbortController): Promise<void> {
    const { store, config, results, filters, clickhouse } = this.options;
    const attempt = queued.attempts + 1;
    const started = await this.publish(queued.id, { state: 'running', attempts: attempt, startedAt: new Date().toISOString(), progress: { done: 0, total: null }, error: null });
    if (!started) return;
    const log = this.log.child({ job: started.id, kind: started.kind, owner: started.owner, attempt });
    log.info('job started');
    const writer = results.writer(started.id, attempt);
    let lastProgress = 0;
    let progressing: Promise<unknown> = Promise.resolve();
    const executor = this.options.executors?.[started.kind] ?? executors[started.kind];
    try {
      controller.signal.throwIfAborted();
      const result = await executor({
        job: started,
        signal: controller.signal,
        results: writer,
        clickhouse,
        config,
        filter: (id) => filters.get(id),
        producer: () => this.matchProducer(),
        progress: (done, total) => {
          const now = Date.now();
          if (now - lastProgress < (this.options.progressMs ?? 2_000)) return;
          lastProgress = now;
          progressing = progressing.then(() => this.publish(started.id, { progress: { done, total } })).catch((err: unknown) => log.warn({ err }, 'could not publish progress'));
        },
      });
      controller.signal.throwIfAborted();
      await writer.close();
      await progressing;
      await this.publish(started.id, { state: 'succeeded', finishedAt: new Date().toISOString(), expiresAt: store.expiry(), progress: { done: result.rows, total: result.rows }, result });
      this.finished.inc({ kind: started.kind, outcome: 'succeeded' });
      log.info({ rows: result.rows, bytes: result.bytes }, 'job succeeded');
    } catch (err) {
      await progressing;
      if (this.stopping) {
        log.info('job interrupted by shutdown; it resumes at the next start');
        return;
      }
      const cancelled = controller.signal.aborted && store.get(started.id)?.cancelRequested === true;
      const error = cancelled ? { code: 'JOB_CANCELLED', message: 'cancelled by its owner' } : errorOf(err);
      await this.publish(started.id, { state: cancelled ? 'cancelled' : 'failed', finishedAt: new Date().toISOString(), expiresAt: store.expiry(), error }).catch((e: unknown) => log.error({ err: e }, 'could not record the job as finished'));
      this.finished.inc({ kind: started.kind, outcome: cancelled ? 'cancelled' : 'failed' });
      if (cancelled) log.info('job cancelled');
      else log.warn({ err }, 'job failed');
    }
  }

  private async matchProducer(): Promise<Producer> {
    if (!this.producer) {
      this.producer = this.options.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
    }
    return this.producer;
  }
}

function errorOf(err: unknown): { code: string; message: string } {
  const error = asNightjarError(err);
  return { code: error.code, message: error.message };
}
