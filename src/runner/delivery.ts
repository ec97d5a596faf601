import type { Consumer, Producer, TopicOffsets, Transaction } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import { chunkBySize, flatOffsets, topicMessages } from './records.js';
import type { ProducedRecord } from './types.js';

/** `committed`: outputs acknowledged and offsets stored. `abandoned`: the group moved on; the batch's partitions get re-read. */
export type DeliveryOutcome = 'committed' | 'abandoned';

/**
 * Puts a batch's outputs on Kafka and then records its consumed offsets. `stillOwned` answers
 * whether this member still owns the batch's partitions (no rebalance since it was fetched):
 * offsets are never committed for partitions another member may already be reading.
 */
export interface Delivery {
  deliver(records: readonly ProducedRecord[], offsets: TopicOffsets[], stillOwned: () => boolean): Promise<DeliveryOutcome>;
}

/** Errors by which the group coordinator says this member's generation is over. */
const GENERATION_ENDED = new Set(['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);

export function isGenerationEnded(error: unknown): boolean {
  return typeof error === 'object' && error !== null && GENERATION_ENDED.has(String((error as { type?: unknown }).type));
}

/**
 * At-least-once: produce (acks=all, idempotent producer), and only once Kafka acknowledged every
 * output, commit the offsets. A crash between the two re-processes the batch: duplicates, no loss.
 */
export class AtLeastOnceDelivery implements Delivery {
  constructor(
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    private readonly logger: Logger,
  ) {}

  async deliver(records: readonly ProducedRecord[], offsets: TopicOffsets[], stillOwned: () => boolean): Promise<DeliveryOutcome> {
    for (const chunk of chunkBySize(records)) await this.producer.sendBatch({ topicMessages: topicMessages(chunk), acks: -1 });
    return this.commit(offsets, stillOwned);
  }

  /** Commits only; a retry after a failed commit calls this, so outputs are not produced again. */
  async commit(offsets: TopicOffsets[], stillOwned: () => boolean): Promise<DeliveryOutcome> {
    if (!stillOwned()) return this.abandon('the group rebalanced while the batch was processed');
    try {
      await this.consumer.commitOffsets(flatOffsets(offsets));
      return 'committed';
    } catch (error) {
      if (isGenerationEnded(error)) return this.abandon(`the commit was refused: ${(error as Error).message}`);
      throw error;
    }
  }

  private abandon(reason: string): DeliveryOutcome {
    this.logger.info({ reason }, 'batch outputs produced but offsets not committed; its partitions will be re-read');
    return 'abandoned';
  }
}

/**
 * Exactly-once for read_committed consumers: outputs and consumed offsets commit in one Kafka
 * transaction, or neither does. Any failure aborts the transaction; the caller then retries the
 * batch or stops, and an uncommitted batch is re-read from the last committed offset.
 */
export class TransactionalDelivery implements Delivery {
  constructor(
    private readonly producer: Producer,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  async deliver(records: readonly ProducedRecord[], offsets: TopicOffsets[], stillOwned: () => boolean): Promise<DeliveryOutcome> {
    const transaction = await this.producer.transaction();
    try {
      for (const chunk of chunkBySize(records)) await transaction.sendBatch({ topicMessages: topicMessages(chunk), acks: -1 });
      await transaction.sendOffsets({ consumerGroupId: this.groupId, topics: offsets });
      if (!stillOwned()) {
        await transaction.abort();
        this.logger.info('the group rebalanced while the batch was processed; transaction aborted, its partitions will be re-read');
        return 'abandoned';
      }
      await transaction.commit();
      return 'committed';
    } catch (error) {
      await this.abortQuietly(transaction, error);
      throw error;
    }
  }

  private async abortQuietly(transaction: Transaction, cause: unknown): Promise<void> {
    if (!transaction.isActive()) return;
    try {
      await transaction.abort();
    } catch (error) {
      // The failure that brought us here is what the caller acts on; a failed abort ends with the
      // transaction timing out on the broker, which also discards it.
      this.logger.warn({ err: error, cause: (cause as Error).message }, 'aborting the failed transaction failed too');
    }
  }
}
