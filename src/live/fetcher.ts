import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import { LiveMessage } from './message.js';
import type { TopicReader } from './reader.js';

/** Longest the shared consumer's fetch waits on the broker when nothing arrives (ms). */
const IDLE_FETCH_WAIT_MS = 500;
/** First wait before building the consumer again after it crashed or could not be built (ms); doubles up to the maximum. */
const RETRY_MS = 1_000;
const RETRY_MAX_MS = 30_000;
/** Retries of a failing request before the consumer gives up (crashes) and a new one is built. */
const LIVE_RETRIES = 3;

/** A running consumer and the reader each of its topics feeds, fixed when it was built. */
interface Running {
  consumer: Consumer;
  readers: Map<string, TopicReader>;
}

/**
 * The one Kafka consumer that feeds every shared topic reader of the api role (one fetch loop,
 * one group membership and heartbeat for all followed topics, instead of one per topic).
 *
 * kafkajs cannot change a running consumer's subscription (tulios/kafkajs#476; a stopped one
 * keeps its old topics, #1151), so a change of the followed topics builds a new consumer (private
 * group, nothing committed) for the new set, make-before-break: the old one keeps dispatching
 * until the new one has joined and been sought to every reader's `next`, then it is disconnected.
 * Topic-set changes arriving meanwhile are folded into one more build.
 *
 * Why nothing is missed or repeated: a consumer's readers are fixed when it is built, and it
 * starts each topic at or before its reader's `next` (the earliest offset, then the seek), so
 * every record it fetches reaches that reader in offset order; a reader takes a record only at
 * or after its `next` (TopicReader.take). Two consumers feeding one reader during a swap therefore
 * deliver each record once, and a record can only be skipped by a reader that already took it.
 */
export class LiveFetcher {
  /** The readers that want records, by topic. */
  private readonly wanted = new Map<string, TopicReader>();
  /** Wanted topics that did not exist at the last build (deleted meanwhile); retried at the next change. */
  private missing = new Map<string, TopicReader>();
  private current: Running | undefined;
  private settling: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MS;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly groupPrefix: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts feeding `reader` from its `next` positions, which must be set. Resolves once a
   * consumer that reads its topic has joined; rejects when none could be built (the reader stays
   * wanted, and a later build includes it).
   */
  async add(reader: TopicReader): Promise<void> {
    if (this.stopped) throw new Error('the live feeds are stopping');
    this.wanted.set(reader.topic, reader);
    await this.settle().catch((err: unknown) => {
      this.scheduleRetry();
      throw err;
    });
  }

  /** Stops feeding `reader` (its topic leaves the consumer at the next build, which starts now). */
  remove(reader: TopicReader): void {
    if (this.wanted.get(reader.topic) !== reader) return;
    this.wanted.delete(reader.topic);
    this.missing.delete(reader.topic);
    if (!this.stopped) this.settle().catch((err: unknown) => this.buildFailed(err));
  }

  /** Disconnects the consumer. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.wanted.clear();
    const running = this.current;
    this.current = undefined;
    await this.settling?.catch(() => undefined);
    await running?.consumer.disconnect().catch(() => undefined);
  }

  /** Builds consumers until the running one reads exactly the wanted readers' topics. */
  private settle(): Promise<void> {
    this.settling ??= this.settleLoop();
    return this.settling;
  }

  private async settleLoop(): Promise<void> {
    try {
      while (!this.stopped && !this.inStep()) await this.rebuild();
      this.retryMs = RETRY_MS;
    } finally {
      // Cleared with no await after the last check: an add() after it starts a new loop.
      this.settling = undefined;
    }
  }

  /** Whether every wanted reader is fed by the running consumer (or its topic is known to be missing) and nothing else is. */
  private inStep(): boolean {
    const fed = this.current?.readers ?? new Map<string, TopicReader>();
    if (fed.size + this.missing.size !== this.wanted.size) return false;
    for (const [topic, reader] of this.wanted) if (fed.get(topic) !== reader && this.missing.get(topic) !== reader) return false;
    return true;
  }

  private async rebuild(): Promise<void> {
    const wanted = new Map(this.wanted);
    const existing = wanted.size === 0 ? new Set<string>() : await this.existingTopics();
    const readers = new Map([...wanted].filter(([topic]) => existing.has(topic)));
    const missing = new Map([...wanted].filter(([topic]) => !existing.has(topic)));
    for (const topic of missing.keys()) if (!this.missing.has(topic)) this.logger.warn({ topic }, 'a followed topic no longer exists; its subscribers get nothing until it is followed again');
    const next = readers.size === 0 ? undefined : await this.build(readers);
    const old = this.current;
    if (this.stopped) {
      await next?.consumer.disconnect().catch(() => undefined);
      return;
    }
    this.current = next;
    this.missing = missing;
    this.logger.debug({ topics: [...readers.keys()], missing: [...missing.keys()] }, 'live consumer follows a new set of topics');
    await old?.consumer.disconnect().catch((err: unknown) => this.logger.debug({ err: (err as Error).message }, 'retired live consumer disconnect failed'));
  }

  /** A consumer of `readers`' topics that has joined its group and been sought to each reader's `next`. */
  private async build(readers: Map<string, TopicReader>): Promise<Running> {
    // kafkajs must not restart it with the same topics on its own: a crash builds a new one, which
    // rechecks the topics. Few retries: a followed topic deleted (its user removed) fails every
    // fetch until then, and the other topics wait for that (≈ 3 s instead of ≈ 11 s with the
    // client's runner.retries).
    const consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}-live-${randomUUID()}`,
      // The broker answers a fetch as soon as a record (or a transaction's commit) arrives, so this bounds only idle polling.
      maxWaitTimeInMs: IDLE_FETCH_WAIT_MS,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      retry: { retries: LIVE_RETRIES, restartOnFailure: async () => false },
    });
    const running: Running = { consumer, readers };
    const seek = (): void => {
      for (const [topic, reader] of readers) for (const [partition, offset] of reader.next) consumer.seek({ topic, partition, offset: String(offset) });
    };
    const joined = new Promise<void>((resolve, reject) => {
      // After any (re)join — also one forced by a long stall — continue where each reader is, never
      // from the group's reset position: nothing is committed, so that would be the topic's start.
      consumer.on(consumer.events.GROUP_JOIN, () => {
        seek();
        resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        reject(payload.error);
        this.crashed(running, payload.error);
      });
    });
    joined.catch(() => undefined);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: [...readers.keys()], fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: async (payload) => this.dispatch(readers, payload) });
      await joined;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    // Records fetched before the seek lands are older than `next` and skipped by the readers.
    seek();
    return running;
  }

  private dispatch(readers: Map<string, TopicReader>, { batch }: EachBatchPayload): void {
    const reader = readers.get(batch.topic);
    if (!reader) return;
    for (const message of batch.messages) reader.take(LiveMessage.from(reader.kind, batch.partition, message));
  }

  private crashed(running: Running, error: Error): void {
    if (this.current !== running) return; // one being built (its build fails) or already retired
    this.logger.error({ err: error.message, topics: [...running.readers.keys()] }, 'live consumer crashed; building a new one');
    this.current = undefined;
    this.scheduleRetry();
  }

  private buildFailed(err: unknown): void {
    this.logger.warn({ err: (err as Error).message }, 'cannot build the live consumer; retrying');
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.settle().catch((err: unknown) => this.buildFailed(err));
    }, wait);
    this.retryTimer.unref();
  }

  private async existingTopics(): Promise<Set<string>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return new Set(await admin.listTopics());
    } finally {
      await admin.disconnect();
    }
  }
}
