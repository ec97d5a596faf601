import { hostname } from 'node:os';
import type { Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import { NightjarError, isNightjarError } from '../errors/index.js';
import { createProducer } from '../kafka/client.js';
import type { Logger } from '../log/logger.js';
import { IntakeBuffer, type IntakeAction } from './buffer.js';
import { AtLeastOnceDelivery, TransactionalDelivery, type Delivery, type DeliveryOutcome } from './delivery.js';
import { runnerMetrics, type RunnerMetrics } from './metrics.js';
import { consumedMessage, nextOffsets } from './records.js';
import { isRetriable, retry, retryPolicy, type RetryHooks } from './retry.js';
import type { ConsumedMessage, ProducedRecord, Stage } from './types.js';

export interface StageRunnerOptions {
  stage: Stage;
  kafka: Kafka;
  config: Config;
  logger: Logger;
  registry: Registry;
  groupId: string;
  /** Input topics: names, or patterns; topics created later that match a pattern join within `runner.topicRefreshMs`. */
  topics: (string | RegExp)[];
  /** Outputs and offsets in one Kafka transaction per batch (exactly-once for read_committed readers). */
  transactional?: boolean;
  /** Defaults to `${groupId}-${stage}-${instanceId}`. Keep it stable across restarts of the same member. */
  transactionalId?: string;
  /**
   * Identifies this member across restarts (e.g. a StatefulSet pod name). With a stable id, a
   * restarted member fences its crashed predecessor's open transaction at once; with the default
   * (host and pid) that transaction is discarded only when it times out on the broker.
   */
  instanceId?: string;
  /** Where a group with no committed offset starts: true (default) reads what the topic retains, so nothing is skipped. */
  fromBeginning?: boolean;
  /** Fetch sizes (bytes); smaller fetches bound the buffer more tightly: at most highWaterMark + one fetched batch. */
  fetch?: { maxBytesPerPartition?: number; maxBytes?: number };
  /** Test seams for the retry waits. */
  retryHooks?: Pick<RetryHooks, 'sleep' | 'random'>;
}

/** A point-in-time view for tests and health checks. */
export interface RunnerStats {
  buffered: number;
  peakBuffered: number;
  largestFetch: number;
  paused: boolean;
  /** Group generations seen (joins and rebalances). */
  generation: number;
  batchesCommitted: number;
  batchesAbandoned: number;
}

interface Buffered {
  message: ConsumedMessage;
  /** The group generation the message was fetched in; after a rebalance it may belong to another member. */
  generation: number;
}

/** Caps how long shutdown waits for a stage that ignores close() (ms). */
const CLOSE_GRACE_MS = 5_000;

/**
 * The generic loop every stage runs in: group membership, fetching into a bounded buffer, calling
 * the stage in batches of `runner.batchSize`, producing its outputs, and committing consumed
 * offsets only once the outputs are acknowledged (or in the same transaction). When the buffer
 * passes its high-water mark the consumer pauses; it resumes below the low-water mark.
 *
 * Rebalances: kafkajs re-reads every partition from its committed offset after a (re)join, so on
 * a rebalance the buffer is dropped, and a batch in flight from before it is not committed
 * (at-least-once: its outputs may be produced again by the partition's next owner; transactional:
 * its transaction is aborted).
 */
export class StageRunner {
  private readonly buffer: IntakeBuffer<Buffered>;
  private readonly metrics: RunnerMetrics;
  private readonly log: Logger;
  private readonly halt = new AbortController();
  private consumer: Consumer | null = null;
  private producer: Producer | null = null;
  private delivery: Delivery | null = null;
  private generation = 0;
  private assignedTopics: string[] = [];
  private pausedTopics: string[] = [];
  private intakeOpen = false;
  private largestFetch = 0;
  private batchesCommitted = 0;
  private batchesAbandoned = 0;
  private loop: Promise<void> | null = null;
  /** Topics subscribed by name so far (patterns resolved by the runner itself). */
  private readonly subscribed = new Set<string>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> = Promise.resolve();
  private starting: Promise<void> | null = null;
  private stopping: Promise<void> | null = null;
  private fatal: NightjarError | null = null;
  private readonly done: Promise<void>;
  private settle!: (error: NightjarError | null) => void;

  constructor(private readonly options: StageRunnerOptions) {
    const { config } = options;
    this.buffer = new IntakeBuffer({ highWaterMark: config.runner.highWaterMark, lowWaterMark: config.runner.lowWaterMark });
    this.metrics = runnerMetrics(options.registry);
    this.log = options.logger.child({ component: 'runner', stage: options.stage.name, groupId: options.groupId });
    this.done = new Promise((resolve, reject) => {
      this.settle = (error) => (error ? reject(error) : resolve());
    });
    // finished() hands the rejection to whoever awaits it; nobody awaiting is not a crash.
    this.done.catch(() => undefined);
  }

  get name(): string {
    return this.options.stage.name;
  }

  get transactionalId(): string {
    const instance = this.options.instanceId ?? `${hostname()}-${process.pid}`;
    return this.options.transactionalId ?? `${this.options.groupId}-${this.options.stage.name}-${instance}`;
  }

  /** Connects, joins the group and starts consuming; resolves once the first join is done. */
  start(): Promise<void> {
    this.starting ??= this.connectAndRun().catch(async (error) => {
      await this.fail(error);
      throw this.fatal ?? error;
    });
    return this.starting;
  }

  /** Ordered shutdown: stop intake, finish the batch in flight (and commit it), disconnect. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  /** Resolves when the runner has stopped cleanly; rejects with the error that stopped it otherwise. */
  finished(): Promise<void> {
    return this.done;
  }

  stats(): RunnerStats {
    return {
      buffered: this.buffer.size,
      peakBuffered: this.buffer.peakSize,
      largestFetch: this.largestFetch,
      paused: this.buffer.paused,
      generation: this.generation,
      batchesCommitted: this.batchesCommitted,
      batchesAbandoned: this.batchesAbandoned,
    };
  }

  private async connectAndRun(): Promise<void> {
    const { stage, kafka, config, groupId, topics } = this.options;
    await stage.start?.();
    this.producer = this.options.transactional
      ? createProducer(kafka, { transactionalId: this.transactionalId, idempotent: true, maxInFlightRequests: 1, retry: transactionRetry(config) })
      : createProducer(kafka);
    await this.producer.connect();
    const consumer = (this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: config.runner.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(config.runner.sessionTimeoutMs / 10)),
      // Also how long kafkajs sleeps when every partition is paused, so it bounds how late intake
      // resumes after the buffer drained; heartbeats ride on the same loop.
      maxWaitTimeInMs: Math.min(200, Math.floor(config.runner.sessionTimeoutMs / 4)),
      readUncommitted: false,
      ...this.options.fetch,
    }));
    this.delivery = this.options.transactional
      ? new TransactionalDelivery(this.producer, groupId, this.log)
      : new AtLeastOnceDelivery(this.producer, consumer, this.log);
    this.listen(consumer);
    await consumer.connect();
    const names = await this.matchingTopics();
    await consumer.subscribe({ topics: names, fromBeginning: this.options.fromBeginning ?? true });
    for (const name of names) this.subscribed.add(name);
    this.intakeOpen = true;
    this.loop = this.processLoop();
    await this.runConsumer(consumer);
    if (topics.some((t) => t instanceof RegExp)) {
      this.refreshTimer = setInterval(() => {
        this.refreshing = this.refreshing.then(() => this.addNewTopics()).catch((error: unknown) => this.log.warn({ err: error }, 'could not look for new topics matching the input patterns; trying again later'));
      }, config.runner.topicRefreshMs);
      this.refreshTimer.unref();
    }
    this.log.info({ transactional: Boolean(this.options.transactional), topics: topics.map(String), subscribed: names }, 'stage runner started');
  }

  private runConsumer(consumer: Consumer): Promise<void> {
    return consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.onBatch(payload) });
  }

  /** The named input topics, and every existing topic that matches an input pattern. */
  private async matchingTopics(): Promise<string[]> {
    const { topics, kafka } = this.options;
    const names = topics.filter((t): t is string => typeof t === 'string');
    const patterns = topics.filter((t): t is RegExp => t instanceof RegExp);
    if (patterns.length === 0) return names;
    const admin = kafka.admin();
    await admin.connect();
    try {
      const existing = await admin.listTopics();
      return [...new Set([...names, ...existing.filter((topic) => !topic.startsWith('__') && patterns.some((p) => p.test(topic)))])];
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Subscribes to topics created since the last look that match an input pattern (a user's match
   * topic created on activation, a survey's new topic). kafkajs resolves patterns once, so the
   * consumer stops, subscribes to the new names and runs again: the group rebalances, the buffer
   * is dropped and re-read from committed offsets, and a new topic is read from its beginning.
   */
  private async addNewTopics(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.halt.signal.aborted) return;
    const added = (await this.matchingTopics()).filter((topic) => !this.subscribed.has(topic));
    if (added.length === 0 || this.halt.signal.aborted) return;
    await consumer.stop();
    await consumer.subscribe({ topics: added, fromBeginning: this.options.fromBeginning ?? true });
    for (const topic of added) this.subscribed.add(topic);
    if (this.halt.signal.aborted) return;
    await this.runConsumer(consumer);
    this.log.info({ added }, 'subscribed to new topics matching the input patterns');
  }

  private listen(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.onJoin(payload.memberAssignment));
    consumer.on(consumer.events.REBALANCING, () => this.onGenerationEnd('rebalancing'));
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.onGenerationEnd('consumer crashed');
      // kafkajs restarts itself after a retriable crash; otherwise the consumer is gone for good.
      if (!payload.restart) void this.fail(payload.error);
    });
  }

  private onJoin(assignment: Record<string, number[]>): void {
    this.onGenerationEnd('joined');
    this.assignedTopics = Object.keys(assignment);
    this.log.info({ assignment, generation: this.generation }, 'joined the consumer group');
  }

  /** Fetch positions restart from committed offsets after any (re)join, so what is buffered is void. */
  private onGenerationEnd(reason: string): void {
    this.generation++;
    const dropped = this.buffer.size;
    this.applyIntake(this.buffer.clear());
    this.metrics.buffered.set({ stage: this.name }, 0);
    if (dropped > 0) this.log.info({ reason, dropped }, 'dropped buffered records; they are re-read from committed offsets');
  }

  private async onBatch({ batch, resolveOffset, isRunning, isStale }: EachBatchPayload): Promise<void> {
    // Not resolving leaves the fetch position where it was: a skipped batch is fetched again later.
    if (!this.intakeOpen || this.buffer.paused || !isRunning() || isStale()) return;
    const labels = { stage: this.name, topic: batch.topic };
    this.metrics.lag.set({ ...labels, partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
    if (batch.messages.length > 0) {
      const generation = this.generation;
      this.largestFetch = Math.max(this.largestFetch, batch.messages.length);
      this.metrics.recordsIn.inc(labels, batch.messages.length);
      const action = this.buffer.push(batch.messages.map((m) => ({ message: consumedMessage(batch.topic, batch.partition, m), generation })));
      this.metrics.buffered.set({ stage: this.name }, this.buffer.size);
      this.applyIntake(action);
    }
    resolveOffset(batch.lastOffset());
  }

  private applyIntake(action: IntakeAction): void {
    if (action === 'none' || !this.consumer) return;
    try {
      if (action === 'pause') {
        this.pausedTopics = [...this.assignedTopics];
        this.consumer.pause(this.pausedTopics.map((topic) => ({ topic })));
      } else {
        this.consumer.resume(this.pausedTopics.map((topic) => ({ topic })));
        this.pausedTopics = [];
      }
      this.metrics.paused.set({ stage: this.name }, action === 'pause' ? 1 : 0);
      this.log.debug({ buffered: this.buffer.size }, action === 'pause' ? 'buffer full: intake paused' : 'buffer drained: intake resumed');
    } catch (error) {
      // Only possible while kafkajs tears the consumer down; its next run starts unpaused anyway.
      this.log.debug({ err: error, action }, 'could not change intake');
    }
  }

  private async processLoop(): Promise<void> {
    const { batchSize } = this.options.config.runner;
    while (!this.halt.signal.aborted) {
      await this.buffer.waitForItems(this.halt.signal);
      if (this.halt.signal.aborted) break;
      const { items, action } = this.buffer.take(batchSize);
      this.metrics.buffered.set({ stage: this.name }, this.buffer.size);
      this.applyIntake(action);
      const current = items.filter((item) => item.generation === this.generation);
      if (current.length === 0) continue;
      try {
        await this.runBatch(current.map((item) => item.message), current[0]!.generation);
      } catch (error) {
        // A retriable failure ends here only because shutdown cut its retries short.
        if (this.halt.signal.aborted && isRetriable(error)) this.log.info({ err: error }, 'batch interrupted by shutdown; left uncommitted');
        // Not awaited: stopping waits for this loop to return.
        else void this.fail(error);
        return;
      }
    }
  }

  /** Processes, produces and commits one batch, retrying retriable failures of the whole attempt. */
  private async runBatch(messages: ConsumedMessage[], generation: number): Promise<void> {
    const endTimer = this.metrics.batchSeconds.startTimer({ stage: this.name });
    const stillOwned = () => generation === this.generation;
    const outcome = await this.retrying(async (): Promise<DeliveryOutcome> => {
      if (!stillOwned()) return 'abandoned';
      const records: ProducedRecord[] = await this.options.stage.process(messages);
      const delivered = await this.delivery!.deliver(records, nextOffsets(messages), stillOwned);
      this.metrics.recordsOut.inc({ stage: this.name }, records.length);
      return delivered;
    });
    endTimer();
    if (outcome === 'committed') this.batchesCommitted++;
    else this.batchesAbandoned++;
  }

  private retrying<T>(attempt: () => Promise<T>): Promise<T> {
    return retry(attempt, retryPolicy(this.options.config), {
      ...this.options.retryHooks,
      signal: this.halt.signal,
      onRetry: (error, attemptNo, delayMs) => {
        this.metrics.errors.inc({ stage: this.name, code: errorCode(error) });
        this.log.warn({ err: error, attempt: attemptNo, delayMs }, 'batch failed; retrying');
      },
    });
  }

  private async fail(error: unknown): Promise<void> {
    if (this.fatal) return;
    this.fatal = isNightjarError(error, 'STAGE_FAILED')
      ? error
      : new NightjarError('STAGE_FAILED', `stage ${this.name} stopped: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    this.metrics.errors.inc({ stage: this.name, code: errorCode(error) });
    this.log.error({ err: error }, 'stage runner failed; stopping without committing the failed batch');
    await this.stop();
  }

  private async shutdown(): Promise<void> {
    this.intakeOpen = false;
    this.halt.abort(new Error('stage runner stopping'));
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.refreshing;
    const { shutdownTimeoutMs } = this.options.config.runner;
    if (this.loop && !(await settlesWithin(this.loop, shutdownTimeoutMs))) {
      this.log.warn({ shutdownTimeoutMs }, 'in-flight batch did not finish in time; closing the stage and leaving it uncommitted');
      await this.closeStage();
      await settlesWithin(this.loop, CLOSE_GRACE_MS);
    }
    await this.disconnect();
    await this.closeStage();
    this.metrics.paused.set({ stage: this.name }, 0);
    this.log.info({ committed: this.batchesCommitted }, 'stage runner stopped');
    this.settle(this.fatal);
  }

  /** Consumer first (leaving the group promptly hands its partitions over), then the producer. */
  private async disconnect(): Promise<void> {
    for (const client of [this.consumer, this.producer]) {
      try {
        await client?.disconnect();
      } catch (error) {
        this.log.warn({ err: error }, 'disconnecting from Kafka failed');
      }
    }
  }

  private async closeStage(): Promise<void> {
    try {
      await this.options.stage.close?.();
    } catch (error) {
      this.log.warn({ err: error }, 'closing the stage failed');
    }
  }
}

/**
 * A transaction's first send to a partition is refused with CONCURRENT_TRANSACTIONS while the
 * previous transaction's markers are still being written, which takes milliseconds; kafkajs
 * retries that with the producer's retry policy, so start small (like the Java client) and allow
 * more doublings to keep the same patience for real outages.
 */
function transactionRetry(config: Config): { initialRetryTime: number; maxRetryTime: number; retries: number } {
  const initialRetryTime = Math.min(config.runner.retryInitialMs, 20);
  const extraDoublings = Math.max(0, Math.ceil(Math.log2(config.runner.retryInitialMs / initialRetryTime)));
  return { initialRetryTime, maxRetryTime: config.runner.retryMaxMs, retries: config.runner.retries + extraDoublings };
}

/** The metrics label for a failure: its catalogue code, with Kafka client errors grouped under one code. */
export function errorCode(error: unknown): string {
  if (error instanceof NightjarError) return error.code;
  if (error instanceof Error && error.name.startsWith('KafkaJS')) return 'KAFKA_REQUEST_FAILED';
  return 'INTERNAL';
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = promise.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
