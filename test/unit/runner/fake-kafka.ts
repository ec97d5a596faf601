import type { EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';

/**
 * Just enough of kafkajs for the runner's unit tests: a consumer whose group events and batches
 * the test drives by hand, and a producer that records what it was asked to do. `log` keeps the
 * order of the calls that matter for delivery guarantees.
 */
export class FakeKafka {
  readonly log: string[] = [];
  readonly commits: { topic: string; partition: number; offset: string }[][] = [];
  readonly sent: number[] = [];
  readonly paused: string[][] = [];
  readonly resumed: string[][] = [];
  failNextSends = 0;
  private listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  private eachBatch: ((payload: EachBatchPayload) => Promise<void>) | null = null;

  asKafka(): Kafka {
    return { consumer: () => this.consumer(), producer: () => this.producer() } as unknown as Kafka;
  }

  emit(event: 'consumer.group_join' | 'consumer.rebalancing' | 'consumer.crash', payload: unknown): void {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }

  join(assignment: Record<string, number[]>): void {
    this.emit('consumer.group_join', { memberAssignment: assignment });
  }

  /** Hands the runner a fetched batch; returns the offset it resolved (undefined when it skipped the batch). */
  async deliver(topic: string, partition: number, offsets: number[]): Promise<string | undefined> {
    let resolved: string | undefined;
    const messages = offsets.map((o) => ({ offset: String(o), key: Buffer.from(`k${o}`), value: Buffer.from(`v${o}`), headers: {}, timestamp: '0' }) as unknown as KafkaMessage);
    await this.eachBatch!({
      batch: { topic, partition, messages, highWatermark: String(offsets.at(-1)! + 1), offsetLag: () => '0', lastOffset: () => String(offsets.at(-1)) },
      resolveOffset: (offset: string) => void (resolved = offset),
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload);
    return resolved;
  }

  private consumer() {
    return {
      events: { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash' },
      on: (event: string, listener: (event: { payload: unknown }) => void) => {
        this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
      },
      connect: async () => undefined,
      subscribe: async () => undefined,
      run: async ({ eachBatch }: { eachBatch: (payload: EachBatchPayload) => Promise<void> }) => {
        this.eachBatch = eachBatch;
      },
      pause: (topics: { topic: string }[]) => void this.paused.push(topics.map((t) => t.topic)),
      resume: (topics: { topic: string }[]) => void this.resumed.push(topics.map((t) => t.topic)),
      commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) => {
        this.commits.push(offsets);
        this.log.push(`commit ${offsets.map((o) => `${o.partition}@${o.offset}`).join(',')}`);
      },
      disconnect: async () => void this.log.push('consumer disconnect'),
    };
  }

  private producer() {
    const send = async (batch: { topicMessages: { messages: unknown[] }[] }) => {
      if (this.failNextSends > 0) {
        this.failNextSends--;
        throw Object.assign(new Error('leader not available'), { name: 'KafkaJSProtocolError', retriable: true });
      }
      const n = batch.topicMessages.reduce((sum, t) => sum + t.messages.length, 0);
      this.sent.push(n);
      this.log.push(`send ${n}`);
    };
    let active = false;
    return {
      connect: async () => undefined,
      disconnect: async () => void this.log.push('producer disconnect'),
      sendBatch: send,
      transaction: async () => {
        active = true;
        this.log.push('txn begin');
        return {
          sendBatch: send,
          sendOffsets: async ({ topics }: { topics: { partitions: { partition: number; offset: string }[] }[] }) =>
            void this.log.push(`txn offsets ${topics.flatMap((t) => t.partitions.map((p) => `${p.partition}@${p.offset}`)).join(',')}`),
          commit: async () => {
            active = false;
            this.log.push('txn commit');
          },
          abort: async () => {
            active = false;
            this.log.push('txn abort');
          },
          isActive: () => active,
        };
      },
    };
  }
}

/** A promise the test resolves when it wants: holds a stage mid-batch. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}
