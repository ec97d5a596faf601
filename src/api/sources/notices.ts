import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { FilterNotice } from '../../filter/store.js';
import type { Logger } from '../../log/logger.js';

/** The recent notices to a filter's owner (runaway pause, rate limiting, invalid version). */
export interface NoticeSource {
  recent(filterId: string): FilterNotice[];
}

const kinds = new Set<FilterNotice['kind']>(['runaway-paused', 'rate-limited', 'invalid-version']);

/** Reads a notice defensively: the topic is shared and a bad record must not stop the reader. */
export function parseNotice(raw: string): FilterNotice | null {
  try {
    const n = JSON.parse(raw) as Partial<FilterNotice>;
    if (typeof n !== 'object' || n === null || typeof n.filterId !== 'string' || typeof n.owner !== 'string') return null;
    if (!kinds.has(n.kind as FilterNotice['kind']) || typeof n.message !== 'string' || typeof n.at !== 'string') return null;
    return { filterId: n.filterId, owner: n.owner, version: typeof n.version === 'number' ? n.version : null, kind: n.kind!, message: n.message, at: n.at };
  } catch {
    return null;
  }
}

/** The last `perFilter` notices of each filter, newest first; memory is bounded by filters × perFilter. */
export class NoticeBuffer implements NoticeSource {
  private readonly byFilter = new Map<string, FilterNotice[]>();

  constructor(private readonly perFilter = 50) {}

  add(notice: FilterNotice): void {
    const list = this.byFilter.get(notice.filterId) ?? [];
    list.unshift(notice);
    if (list.length > this.perFilter) list.length = this.perFilter;
    this.byFilter.set(notice.filterId, list);
  }

  recent(filterId: string): FilterNotice[] {
    return [...(this.byFilter.get(filterId) ?? [])];
  }
}

/**
 * Follows the notices topic from its start (its retention bounds how far back that is) in a
 * private consumer group, so every API process holds the same recent notices.
 */
export class NoticeFollower implements NoticeSource {
  private readonly buffer: NoticeBuffer;
  private consumer: Consumer | undefined;
  private readonly logger: Logger;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    logger: Logger,
    perFilter = 50,
  ) {
    this.buffer = new NoticeBuffer(perFilter);
    this.logger = logger.child({ component: 'notices', topic });
  }

  async start(): Promise<void> {
    this.consumer = this.kafka.consumer({ groupId: `nightjar-notices-${randomUUID()}`, maxWaitTimeInMs: 500 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        const notice = message.value ? parseNotice(message.value.toString('utf8')) : null;
        if (notice) this.buffer.add(notice);
        else this.logger.warn({ offset: message.offset }, 'unreadable notice skipped');
      },
    });
  }

  recent(filterId: string): FilterNotice[] {
    return this.buffer.recent(filterId);
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect();
  }
}
