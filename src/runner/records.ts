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
