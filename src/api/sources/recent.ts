import { randomUUID } from 'node:crypto';
import type { Batch, Consumer, Kafka } from 'kafkajs';
import type { Config } from '../../config/index.js';
import { NightjarError } from '../../errors/index.js';
import { existingInputTopics, MAX_RECORD_BYTES } from '../../kafka/admin.js';
import { recordTimestampMs } from '../../kafka/timestamp.js';
import type { Logger } from '../../log/logger.js';

/** A survey message as it sits on an input topic. */
export interface RecentMessage {
  topic: string;
  partition: number;
  offset: string;
  /** Kafka timestamp (ISO); null for a record written without a usable one (-1, or beyond a Date's range). */
  timestamp: string | null;
  value: Buffer;
}

/** The newest survey messages, for previewing a filter on what the surveys sent lately. */
export interface RecentMessages {
  newest(count: number): Promise<RecentMessage[]>;
}

const READ_TIMEOUT_MS = 20_000;
/**
 * How long the preview's consumer is kept, paused, after a request: someone refining a filter
 * previews again within seconds, and a new consumer must first join a group of its own, which a
 * broker holds for group.initial.rebalance.delay.ms (3 s by default; docs/deployment.md).
 */
const KEEP_MS = 60_000;

interface Range {
  topic: string;
  partition: number;
  start: number;
  end: number;
}

/** One request being served: what to read, what is still unread, what was read. */
interface Reading {
  remaining: Map<string, Range>;
  collected: RecentMessage[];
  finish: () => void;
}

/** The kept consumer: the input topics it was built for, and the request it serves, if any. */
interface Reader {
  consumer: Consumer;
  topics: string;
  reading: Reading | null;
  crashed: boolean;
}

/**
 * Reads the tail of the input topics: up to `count` messages from the end of every partition,
 * then the newest `count` of them by timestamp. Nothing is kept between requests but a consumer
 * (a private group that commits nothing), paused, for KEEP_MS after each: a request seeks the
 * partitions it wants, resumes them until each reaches its end, and pauses them again. A change
 * in the set of input topics (a pattern matching a new night's topic) builds a new consumer.
 * Requests take turns.
 */
export class TopicTail implements RecentMessages {
  private reader: Reader | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private turn: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly keepMs = KEEP_MS,
  ) {}

  newest(count: number): Promise<RecentMessage[]> {
    const request = this.turn.then(() => this.serve(count));
    this.turn = request.catch(() => undefined);
    return request;
  }

  /** Disconnects the kept consumer. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.turn;
    await this.retire();
  }

  private async serve(count: number): Promise<RecentMessage[]> {
    if (this.stopped) throw new NightjarError('KAFKA_UNAVAILABLE', 'this server is stopping');
    clearTimeout(this.idleTimer);
    try {
      const { topics, ranges } = await this.tail(count);
      const wanted = ranges.filter((r) => r.end > r.start);
      if (wanted.length === 0) return [];
      return await this.read(topics, wanted, count);
    } finally {
      this.idleTimer = setTimeout(() => {
        this.turn = this.turn.then(() => this.retire());
      }, this.keepMs);
      this.idleTimer.unref();
    }
  }

  /** The input topics there are now, and up to `count` offsets from the end of each of their partitions. */
  private async tail(count: number): Promise<{ topics: string[]; ranges: Range[] }> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const topics = existingInputTopics(this.config, await admin.listTopics());
      const ranges = (await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ topic, partition: p.partition, start: Math.max(Number(p.low), Number(p.high) - count), end: Number(p.high) }))))).flat();
      return { topics, ranges };
    } finally {
      await admin.disconnect();
    }
  }

  private async read(topics: string[], ranges: Range[], count: number): Promise<RecentMessage[]> {
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const reading: Reading = { remaining: new Map(ranges.map((r) => [`${r.topic}:${r.partition}`, r])), collected: [], finish };
    const timer = setTimeout(finish, READ_TIMEOUT_MS);
    let reader: Reader | undefined;
    try {
      reader = await this.readerFor(topics);
      reader.reading = reading;
      for (const r of ranges) reader.consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.start) });
      reader.consumer.resume([...groupByTopic(ranges)].map(([topic, partitions]) => ({ topic, partitions })));
      await done;
    } catch (err) {
      await this.retire();
      throw new NightjarError('KAFKA_UNAVAILABLE', `could not read the input topics: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
      if (reader) {
        reader.reading = null;
        // Paused for the next request while it is kept (not retired above, not crashed).
        if (this.reader === reader && !reader.crashed) reader.consumer.pause(topics.map((topic) => ({ topic })));
      }
    }
    if (reader?.crashed) {
      await this.retire();
      if (reading.remaining.size > 0) throw new NightjarError('KAFKA_UNAVAILABLE', 'reading the input topics failed part way; try the preview again');
    }
    if (reading.remaining.size > 0) this.logger.debug({ partitions: [...reading.remaining.keys()] }, 'preview read timed out before the end of some partitions');
    // Newest first; records without a timestamp last.
    return reading.collected.sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? '') || Number(b.offset) - Number(a.offset)).slice(0, count);
  }

  /** The kept consumer when it reads these topics, else a new one (every partition paused). */
  private async readerFor(topics: string[]): Promise<Reader> {
    const key = topics.join('\n');
    if (this.reader && this.reader.topics === key && !this.reader.crashed) return this.reader;
    await this.retire();
    const consumer = this.kafka.consumer({
      groupId: `nightjar-preview-${randomUUID()}`,
      // Also how long a fetch started just before a request paused the partitions holds up the next
      // request, and how often the paused consumer looks (kafkajs sleeps this long when all are paused).
      maxWaitTimeInMs: 25,
      // The largest record the input topics take.
      maxBytesPerPartition: MAX_RECORD_BYTES,
      allowAutoTopicCreation: false,
      // A failure ends this consumer; the next request builds another (with the topics as they are then).
      retry: { retries: 3, restartOnFailure: async () => false },
    });
    const reader: Reader = { consumer, topics: key, reading: null, crashed: false };
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.logger.warn({ err: payload.error.message }, 'preview consumer failed; the next preview builds another');
      reader.crashed = true;
      reader.reading?.finish();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      const running = consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => take(reader.reading, batch) });
      running.catch(() => undefined); // awaited below; should pause throw first, the disconnect ends it
      // run() sets up the consumer's group at once and resolves once it joined: pausing now, before
      // its first fetch, means it reads only what a request resumes.
      consumer.pause(topics.map((topic) => ({ topic })));
      await running;
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.reader = reader;
    return reader;
  }

  private async retire(): Promise<void> {
    clearTimeout(this.idleTimer);
    const reader = this.reader;
    this.reader = undefined;
    await reader?.consumer.disconnect().catch((err: unknown) => this.logger.debug({ err }, 'preview consumer did not disconnect cleanly'));
  }
}

/** Records of a fetched batch that the current request wants; a partition is done once its end is reached. */
function take(reading: Reading | null, batch: Batch): void {
  const key = `${batch.topic}:${batch.partition}`;
  const range = reading?.remaining.get(key);
  if (!reading || !range) return;
  for (const m of batch.messages) {
    const offset = Number(m.offset);
    if (offset < range.start || offset >= range.end || !m.value) continue;
    reading.collected.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, timestamp: isoTimestamp(m.timestamp), value: m.value });
  }
  if (Number(batch.lastOffset()) >= range.end - 1) reading.remaining.delete(key);
  if (reading.remaining.size === 0) reading.finish();
}

function groupByTopic(ranges: Range[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const r of ranges) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r.partition]);
  return byTopic;
}

/** A record timestamp as ISO 8601, or null when it has none a Date can hold. */
function isoTimestamp(timestamp: string): string | null {
  const ms = recordTimestampMs(timestamp);
  const date = ms === undefined ? undefined : new Date(ms);
  return date === undefined || Number.isNaN(date.getTime()) ? null : date.toISOString();
}
