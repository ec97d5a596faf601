import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Admin, Consumer, Kafka, Producer } from 'kafkajs';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';

export interface StateTopicOptions<T> {
  kafka: Kafka;
  topic: string;
  logger: Logger;
  /** Turns a stored value into the in-memory one; a throw marks the record as unreadable (logged, skipped). */
  parse?: (value: unknown, key: string) => T;
}

/**
 * Platform state kept as the latest value per key on a compacted topic (users, tokens, filters,
 * watchlists, jobs, models). Every process reads the topic from the start and follows it live,
 * so a change published anywhere reaches every process within the consumer's fetch wait.
 * Values are JSON; a null value (tombstone) deletes the key.
 */
export class StateTopic<T> extends EventEmitter<{ change: [key: string, value: T | undefined, previous: T | undefined] }> {
  readonly topic: string;
  private readonly kafka: Kafka;
  private readonly logger: Logger;
  private readonly parse: (value: unknown, key: string) => T;
  private readonly state = new Map<string, T>();
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private caughtUp: Promise<void> | undefined;
  private stopped = false;

  constructor(options: StateTopicOptions<T>) {
    super();
    this.kafka = options.kafka;
    this.topic = options.topic;
    this.logger = options.logger.child({ component: 'state-topic', topic: options.topic });
    this.parse = options.parse ?? ((value) => value as T);
  }

  /** Starts following the topic; resolves once everything present at start has been applied. */
  async start(): Promise<void> {
    if (this.caughtUp) return this.caughtUp;
    this.caughtUp = this.follow();
    return this.caughtUp;
  }

  get(key: string): T | undefined {
    return this.state.get(key);
  }

  values(): T[] {
    return [...this.state.values()];
  }

  entries(): [string, T][] {
    return [...this.state.entries()];
  }

  get size(): number {
    return this.state.size;
  }

  /** Publishes the new value of a key (null deletes it) and waits until this process has applied it. */
  async publish(key: string, value: T | null, options: { waitApplied?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.producer ??= this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await this.producer.connect();
    const applied = options.waitApplied === false || !this.consumer ? Promise.resolve() : this.waitForKey(key, options.timeoutMs ?? 15_000);
    await this.producer.send({ topic: this.topic, acks: -1, messages: [{ key, value: value === null ? null : JSON.stringify(value) }] });
    await applied;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled([this.consumer?.disconnect(), this.producer?.disconnect()]);
  }

  private async follow(): Promise<void> {
    const targets = await this.highWatermarks();
    // A private group per process: every process reads everything; nothing is committed.
    this.consumer = this.kafka.consumer({ groupId: `nightjar-state-${this.topic}-${randomUUID()}`, maxWaitTimeInMs: 250, readUncommitted: false });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    const pending = new Map([...targets].filter(([, high]) => high > 0n));
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    if (pending.size === 0) markReady();
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        this.apply(message.key?.toString() ?? '', message.value);
        const high = pending.get(partition);
        if (high !== undefined && BigInt(message.offset) + 1n >= high) {
          pending.delete(partition);
          if (pending.size === 0) markReady();
        }
      },
    });
    await ready;
    this.logger.debug({ keys: this.state.size }, 'state topic caught up');
  }

  private async highWatermarks(): Promise<Map<number, bigint>> {
    const admin: Admin = this.kafka.admin();
    await admin.connect();
    try {
      const offsets = await fetchOffsetsRetrying(admin, this.topic);
      // Compaction and transaction markers can leave the last offsets without records; the low
      // watermark bounds what can still be read, so a partition whose low equals high is empty.
      return new Map(offsets.map((o) => [o.partition, BigInt(o.high) > BigInt(o.low) ? BigInt(o.high) : 0n]));
    } catch (err) {
      throw new NightjarError('KAFKA_UNAVAILABLE', `cannot read offsets of ${this.topic}: ${(err as Error).message}`, { cause: err });
    } finally {
      await admin.disconnect();
    }
  }

  private apply(key: string, raw: Buffer | null): void {
    const previous = this.state.get(key);
    if (raw === null) {
      this.state.delete(key);
      this.emit('change', key, undefined, previous);
      return;
    }
    try {
      const value = this.parse(JSON.parse(raw.toString('utf8')), key);
      this.state.set(key, value);
      this.emit('change', key, value, previous);
    } catch (err) {
      this.logger.warn({ key, err: (err as Error).message }, 'unreadable state record skipped');
    }
  }

  /** Resolves on the next change of `key` this process applies (its own publish, in order). */
  private waitForKey(key: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('change', listener);
        reject(new NightjarError('KAFKA_UNAVAILABLE', `change to ${this.topic}/${key} not seen within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (changed: string): void => {
        if (changed !== key) return;
        clearTimeout(timer);
        this.off('change', listener);
        resolve();
      };
      this.on('change', listener);
    });
  }
}

/**
 * A topic created a moment ago can answer NOT_LEADER_FOR_PARTITION (or another retriable error)
 * until its leader is known everywhere; the admin client does not retry offset requests itself.
 */
async function fetchOffsetsRetrying(admin: Admin, topic: string, attempts = 6): Promise<Awaited<ReturnType<Admin['fetchTopicOffsets']>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (attempt >= attempts || (err as { retriable?: boolean }).retriable !== true) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
