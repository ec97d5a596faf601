import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../config/index.js';
import { NightjarError } from '../../errors/index.js';
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
/** Largest record the preview reads (the topics take up to 16 MiB). */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/**
 * Reads the tail of the input topics with a short-lived consumer in a private group that commits
 * nothing: up to `count` messages from the end of every partition, then the newest `count` of
 * them by timestamp. Nothing is kept between requests, so the API role holds no survey stream.
 */
export class TopicTail implements RecentMessages {
  constructor(
    private readonly kafka: Kafka,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  async newest(count: number): Promise<RecentMessage[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    let ranges: { topic: string; partition: number; start: number; end: number }[];
    try {
      const existing = await admin.listTopics();
      const patterns = this.config.topics.input.map((t) => /^\/(.+)\/$/.exec(t)?.[1]).filter((p): p is string => p !== undefined).map((p) => new RegExp(p));
      const topics = existing.filter((t) => this.config.topics.input.includes(t) || patterns.some((p) => p.test(t)));
      ranges = (await Promise.all(topics.map(async (topic) => (await admin.fetchTopicOffsets(topic)).map((p) => ({ topic, partition: p.partition, start: Math.max(Number(p.low), Number(p.high) - count), end: Number(p.high) }))))).flat();
    } finally {
      await admin.disconnect();
    }
    const wanted = ranges.filter((r) => r.end > r.start);
    if (wanted.length === 0) return [];
    return this.read(wanted, count);
  }

  private async read(ranges: { topic: string; partition: number; start: number; end: number }[], count: number): Promise<RecentMessage[]> {
    const consumer = this.kafka.consumer({ groupId: `nightjar-preview-${randomUUID()}`, maxWaitTimeInMs: 100, maxBytesPerPartition: MAX_RECORD_BYTES, allowAutoTopicCreation: false });
    const collected: RecentMessage[] = [];
    const remaining = new Map(ranges.map((r) => [`${r.topic}:${r.partition}`, r]));
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const timer = setTimeout(finish, READ_TIMEOUT_MS);
    try {
      await consumer.connect();
      for (const topic of new Set(ranges.map((r) => r.topic))) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const key = `${batch.topic}:${batch.partition}`;
          const range = remaining.get(key);
          if (!range) return;
          for (const m of batch.messages) {
            const offset = Number(m.offset);
            if (offset < range.start || offset >= range.end || !m.value) continue;
            collected.push({ topic: batch.topic, partition: batch.partition, offset: m.offset, timestamp: isoTimestamp(m.timestamp), value: m.value });
          }
          if (Number(batch.lastOffset()) >= range.end - 1) remaining.delete(key);
          if (remaining.size === 0) finish();
        },
      });
      for (const r of ranges) consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.start) });
      await done;
    } catch (err) {
      throw new NightjarError('KAFKA_UNAVAILABLE', `could not read the input topics: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    } finally {
      clearTimeout(timer);
      await consumer.disconnect().catch((err: unknown) => this.logger.debug({ err }, 'preview consumer did not disconnect cleanly'));
    }
    if (remaining.size > 0) this.logger.debug({ partitions: [...remaining.keys()] }, 'preview read timed out before the end of some partitions');
    // Newest first; records without a timestamp last.
    return collected.sort((a, b) => (b.timestamp ?? '').localeCompare(a.timestamp ?? '') || Number(b.offset) - Number(a.offset)).slice(0, count);
  }
}

/** A record timestamp as ISO 8601, or null when it has none a Date can hold. */
function isoTimestamp(timestamp: string): string | null {
  const ms = recordTimestampMs(timestamp);
  const date = ms === undefined ? undefined : new Date(ms);
  return date === undefined || Number.isNaN(date.getTime()) ? null : date.toISOString();
}
