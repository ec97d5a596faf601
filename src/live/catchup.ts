import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { Positions } from './cursor.js';
import { LiveMessage, type TopicKind } from './message.js';

export interface CatchUpOptions {
  kafka: Kafka;
  topic: string;
  kind: TopicKind;
  from: Positions;
  /** The topic's partitions (each is read from its position in `from`, or from 0). */
  partitions: number[];
  /** Receives each record from `from` on; returns true once the subscription has reached the shared reader's window. */
  deliver(message: LiveMessage): boolean;
  /** True while the client's queue is too full to take more: reading pauses until it is not. */
  congested(): boolean;
  logger: Logger;
}

/** How often a paused catch-up looks whether its client drained its queue (ms). */
const CONGESTION_POLL_MS = 100;

/**
 * A short-lived reader for one resuming subscription whose cursor is older than the shared
 * reader's window: it reads the gap from Kafka (private group, nothing committed) and stops as
 * soon as the subscription has caught up with the window. It pauses while the client's queue is
 * congested, so a slow resuming client costs memory of its own queue only.
 */
export class CatchUp {
  private consumer: Consumer | undefined;
  private stopped = false;
  private pollTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CatchUpOptions) {}

  async start(): Promise<void> {
    const { kafka, topic, kind, from } = this.options;
    const consumer = kafka.consumer({ groupId: `nightjar-live-catchup-${randomUUID()}`, maxWaitTimeInMs: 100, readUncommitted: false, allowAutoTopicCreation: false });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, resolveOffset }) => {
        for (const message of batch.messages) {
          if (this.stopped) return;
          if (this.options.congested()) {
            this.pause();
            return;
          }
          resolveOffset(message.offset);
          if (this.options.deliver(LiveMessage.from(kind, batch.partition, message))) {
            void this.stop();
            return;
          }
        }
      },
      eachBatchAutoResolve: false,
    });
    for (const partition of this.options.partitions) consumer.seek({ topic, partition, offset: String(from.get(partition) ?? 0) });
  }

  private pause(): void {
    const consumer = this.consumer;
    if (!consumer || this.pollTimer) return;
    consumer.pause([{ topic: this.options.topic }]);
    this.pollTimer = setInterval(() => {
      if (this.stopped || this.options.congested()) return;
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
      consumer.resume([{ topic: this.options.topic }]);
    }, CONGESTION_POLL_MS);
    this.pollTimer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.pollTimer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch((err: unknown) => this.options.logger.debug({ err: (err as Error).message }, 'catch-up reader disconnect failed'));
  }
}
