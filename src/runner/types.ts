/** A message as the runner hands it to a stage. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  /** Kafka offset as a decimal string (offsets are 64-bit). */
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  /** Kafka timestamp, ms since the epoch as a decimal string. */
  timestamp: string;
}

/** A record a stage asks the runner to produce. */
export interface ProducedRecord {
  topic: string;
  key?: string | Buffer | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer>;
  /** Explicit partition; otherwise the key's murmur2 hash picks it. */
  partition?: number;
  /** ms since the epoch as a decimal string; otherwise the producer's clock. */
  timestamp?: string;
}

/**
 * One step of the pipeline. The runner owns the loop (fetch, batch, produce, commit, shutdown);
 * a stage only turns a batch of consumed messages into records to produce.
 */
export interface Stage<Out extends ProducedRecord = ProducedRecord> {
  /** Short and stable: it names the stage in logs, metrics labels and transactional ids. */
  readonly name: string;
  /**
   * Turns a batch into the records to produce. Bad input must not throw: the stage dead-letters
   * it by returning dead-letter records. A throw fails the whole batch: a retriable error is
   * retried with backoff, anything else stops the runner without committing the batch.
   */
  process(batch: ConsumedMessage[]): Promise<Out[]> | Out[];
  /** Called once before the first batch. */
  start?(): Promise<void> | void;
  /** Called once after the last batch; must be safe to call twice. */
  close?(): Promise<void> | void;
}
