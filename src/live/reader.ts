import type { Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { Positions } from './cursor.js';
import type { LiveFetcher } from './fetcher.js';
import type { LiveMessage, TopicKind } from './message.js';

/** A subscription that receives what a reader dispatches. */
export interface LiveListener {
  offerLive(message: LiveMessage): void;
}

export interface ReaderSettings {
  replayMessages: number;
  replayBytes: number;
  idleReaderMs: number;
}

/** How often a reader whose topic does not exist yet (a user with no active filter) looks again (ms). */
const TOPIC_POLL_MS = 2_000;

/**
 * The one reader of a topic in this process, shared by every subscription to it. It follows the
 * topic, fed by the api role's one live consumer (fetcher.ts, shared by every followed topic),
 * and hands each record to its listeners synchronously: it never waits for a client (each
 * connection has its own bounded queue). It keeps a window of recent records so a client resuming
 * with a cursor is served from memory. `next` is, per partition, the offset of the next record it
 * will dispatch; the window holds every record of a partition from `coveredFrom` up to `next`.
 *
 * It starts up to a window's worth of records before the topic's end (`live.replayMessages`
 * spread over the partitions), so the clients that resume after this api process (re)started,
 * all at once after a rolling update, are served from memory rather than each by a reader of its
 * own; subscriptions without a cursor start at the end (`livePositions`), never on those records.
 */
export class TopicReader {
  readonly next: Positions = new Map();
  readonly coveredFrom: Positions = new Map();
  /** Per partition, the topic's end when this reader started. */
  private readonly liveFrom: Positions = new Map();
  private readonly listeners = new Set<LiveListener>();
  private readonly window: LiveMessage[] = [];
  private windowHead = 0;
  private windowBytes = 0;
  private users = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly fetcher: LiveFetcher,
    readonly topic: string,
    readonly kind: TopicKind,
    private readonly settings: ReaderSettings,
    private readonly logger: Logger,
    /** Called once the reader stopped after being idle, so its owner forgets it. */
    private readonly onIdleStop: (reader: TopicReader) => void,
  ) {}

  /** Resolves once the start positions are known: from then on nothing published is missed. */
  start(): Promise<void> {
    this.started ??= this.begin().catch((err: unknown) => {
      this.started = undefined;
      throw err;
    });
    return this.started;
  }

  /** A subscription (live or still catching up) holds the reader; the last release starts the idle timer. */
  acquire(): void {
    this.users += 1;
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  release(): void {
    this.users = Math.max(0, this.users - 1);
    if (this.users > 0 || this.stopped) return;
    this.idleTimer = setTimeout(() => {
      if (this.users > 0) return;
      this.onIdleStop(this);
      void this.stop();
    }, this.settings.idleReaderMs);
    this.idleTimer.unref();
  }

  attach(listener: LiveListener): void {
    this.listeners.add(listener);
  }

  detach(listener: LiveListener): void {
    this.listeners.delete(listener);
  }

  /** Where a subscription without a cursor starts: the topic's end, past the records the window was filled with at start. */
  livePositions(): Positions {
    const positions = new Map(this.next);
    for (const [partition, end] of this.liveFrom) if ((positions.get(partition) ?? 0) < end) positions.set(partition, end);
    return positions;
  }

  /** Whether the window holds every record from `from` onwards (a partition missing from `from` counts from 0). */
  covers(from: Positions): boolean {
    for (const [partition, covered] of this.coveredFrom) if ((from.get(partition) ?? 0) < covered) return false;
    return true;
  }

  /** The window's records at or after `from`, in dispatch order. */
  replay(from: Positions): LiveMessage[] {
    const out: LiveMessage[] = [];
    for (let i = this.windowHead; i < this.window.length; i++) {
      const message = this.window[i]!;
      if (message.offset >= (from.get(message.partition) ?? 0)) out.push(message);
    }
    return out;
  }

  get subscribers(): number {
    return this.users;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.pollTimer);
    this.listeners.clear();
    this.fetcher.remove(this);
  }

  private async begin(): Promise<void> {
    const bounds = await this.bounds();
    if (bounds === null) {
      // The topic appears when its owner first activates a filter; everything on it is then new.
      this.pollTimer = setTimeout(() => void this.waitForTopic(), TOPIC_POLL_MS);
      this.pollTimer.unref();
      return;
    }
    const back = Math.ceil(this.settings.replayMessages / Math.max(1, bounds.size));
    const start = new Map([...bounds].map(([partition, { low, high }]) => [partition, Math.max(low, high - back)]));
    await this.follow(start, new Map([...bounds].map(([partition, { high }]) => [partition, high])));
  }

  private async waitForTopic(): Promise<void> {
    if (this.stopped) return;
    try {
      const bounds = await this.bounds();
      if (bounds !== null) {
        const start = new Map([...bounds.keys()].map((p) => [p, 0]));
        await this.follow(start, start);
        return;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'live reader cannot look up its topic yet');
    }
    if (!this.stopped) {
      this.pollTimer = setTimeout(() => void this.waitForTopic(), TOPIC_POLL_MS);
      this.pollTimer.unref();
    }
  }

  /** Reads from `start` on; `live` is where the topic ended (what lies between only fills the window). */
  private async follow(start: Positions, live: Positions): Promise<void> {
    if (this.stopped) return;
    for (const [partition, offset] of start) {
      if (!this.next.has(partition)) this.next.set(partition, offset);
      if (!this.coveredFrom.has(partition)) this.coveredFrom.set(partition, offset);
    }
    for (const [partition, offset] of live) this.liveFrom.set(partition, offset);
    await this.fetcher.add(this);
    this.logger.debug({ topic: this.topic, start: Object.fromEntries(start), live: Object.fromEntries(live) }, 'live reader started');
  }

  /** A record of the topic from the live consumer; one before `next` was already taken (or is older than the start) and is skipped. */
  take(message: LiveMessage): void {
    const { partition, offset } = message;
    if (this.stopped || offset < (this.next.get(partition) ?? 0)) return;
    this.next.set(partition, offset + 1);
    if (!this.coveredFrom.has(partition)) this.coveredFrom.set(partition, 0);
    for (const listener of this.listeners) listener.offerLive(message);
    message.release();
    this.remember(message);
  }

  private remember(message: LiveMessage): void {
    this.window.push(message);
    message.accounted = message.size;
    this.windowBytes += message.accounted;
    while (this.window.length - this.windowHead > this.settings.replayMessages || (this.windowBytes > this.settings.replayBytes && this.window.length - this.windowHead > 1)) {
      const evicted = this.window[this.windowHead]!;
      this.window[this.windowHead] = undefined as unknown as LiveMessage;
      this.windowHead += 1;
      this.windowBytes -= evicted.accounted;
      this.coveredFrom.set(evicted.partition, Math.max(this.coveredFrom.get(evicted.partition) ?? 0, evicted.offset + 1));
    }
    if (this.windowHead > 1024 && this.windowHead * 2 > this.window.length) {
      this.window.splice(0, this.windowHead);
      this.windowHead = 0;
    }
  }

  /** Per partition, the oldest offset kept and the offset after the last record; null when the topic does not exist. */
  private async bounds(): Promise<Map<number, { low: number; high: number }> | null> {
    const offsets = await topicOffsets(this.kafka, this.topic);
    return offsets && new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
  }
}

/** Per partition, the oldest offset still kept (retention); null when the topic does not exist. */
export async function startOffsets(kafka: Kafka, topic: string): Promise<Positions | null> {
  const offsets = await topicOffsets(kafka, topic);
  return offsets && new Map(offsets.map((o) => [o.partition, Number(o.low)]));
}

async function topicOffsets(kafka: Kafka, topic: string): Promise<{ partition: number; low: string; high: string }[] | null> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return null;
    return await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
}
