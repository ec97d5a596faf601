import type { KafkaMessage, Message, TopicMessages, TopicOffsets } from 'kafkajs';
import type { ConsumedMessage, ProducedRecord } from './types.js';

export function consumedMessage(topic: string, partition: number, message: KafkaMessage): ConsumedMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: message.headers ?? {},
    timestamp: message.timestamp,
  };
}

/** Groups records by topic, keeping their order within each topic (and so within each key). */
export function topicMessages(records: readonly ProducedRecord[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    let messages = byTopic.get(record.topic);
    if (!messages) byTopic.set(record.topic, (messages = []));
    messages.push(kafkaMessage(record));
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Kafka refuses a record batch larger than the topic's max.message.bytes, and one produce call
 * puts all of a partition's messages into one batch: outputs are sent in chunks of at most
 * `maxBytes` (keys and values), a record larger than that alone in its chunk.
 */
// 4 MiB: well under the 16 MiB Nightjar sets on the topics it creates, and few enough round
// trips per batch (each sequential in a transaction) for 100-250 kB enriched alerts.
export const PRODUCE_CHUNK_BYTES = 4 * 1024 * 1024;

export function chunkBySize(records: readonly ProducedRecord[], maxBytes = PRODUCE_CHUNK_BYTES): ProducedRecord[][] {
  const chunks: ProducedRecord[][] = [];
  let current: ProducedRecord[] = [];
  let size = 0;
  for (const record of records) {
    const bytes = byteSize(record.key) + byteSize(record.value);
    if (current.length > 0 && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

function byteSize(value: string | Buffer | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

function kafkaMessage(record: ProducedRecord): Message {
  const message: Message = { key: record.key ?? null, value: record.value };
  if (record.headers !== undefined) message.headers = record.headers;
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.timestamp !== undefined) message.timestamp = record.timestamp;
  return message;
}

/**
 * The offsets to commit after a batch: per partition, one past the highest offset in it (Kafka
 * commits the next offset to read). Offsets are compared as BigInt: they are 64-bit.
 */
export function nextOffsets(messages: readonly Pick<ConsumedMessage, 'topic' | 'partition' | 'offset'>[]): TopicOffsets[] {
  const highest = new Map<string, Map<number, bigint>>();
  for (const { topic, partition, offset } of messages) {
    let partitions = highest.get(topic);
    if (!partitions) highest.set(topic, (partitions = new Map()));
    const value = BigInt(offset);
    const current = partitions.get(partition);
    if (current === undefined || value > current) partitions.set(partition, value);
  }
  return [...highest].map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].map(([partition, offset]) => ({ partition, offset: String(offset + 1n) })),
  }));
}

/** The same offsets in the flat form of consumer.commitOffsets. */
export function flatOffsets(offsets: readonly TopicOffsets[]): { topic: string; partition: number; offset: string }[] {
  return offsets.flatMap(({ topic, partitions }) => partitions.map(({ partition, offset }) => ({ topic, partition, offset })));
}
