/**
 * Ready-to-paste consumer settings for a user's match topic. Matches are produced in Kafka
 * transactions, so every reader is set to read_committed: it never sees a match of an aborted
 * batch, which is what makes delivery exactly-once for the reader.
 */
export interface ConsumerSettingsInput {
  topic: string;
  brokers: string[];
  groupId: string;
  /** Some of the user's filters publish Avro (Confluent framing): values are bytes, not text. */
  avro?: boolean;
}

export interface ConsumerSettings {
  kcat: string;
  python: string;
  kafkajs: string;
  java: string;
}

export function consumerSettings({ topic, brokers, groupId, avro = false }: ConsumerSettingsInput): ConsumerSettings {
  const servers = brokers.join(',');
  return {
    kcat: `kcat -C -b ${servers} -G ${groupId} -X isolation.level=read_committed -X auto.offset.reset=earliest -f '%k %s\\n' ${topic}`,
    python: [
      'from confluent_kafka import Consumer',
      '',
      'consumer = Consumer({',
      `    "bootstrap.servers": ${JSON.stringify(servers)},`,
      `    "group.id": ${JSON.stringify(groupId)},`,
      '    "isolation.level": "read_committed",',
      '    "auto.offset.reset": "earliest",',
      '})',
      `consumer.subscribe([${JSON.stringify(topic)}])`,
      'while True:',
      '    msg = consumer.poll(1.0)',
      '    if msg is None or msg.error():',
      '        continue',
      '    print(msg.key(), msg.value())',
    ].join('\n'),
    kafkajs: [
      "import { Kafka } from 'kafkajs';",
      '',
      `const kafka = new Kafka({ brokers: ${JSON.stringify(brokers)} });`,
      `const consumer = kafka.consumer({ groupId: ${JSON.stringify(groupId)}, readUncommitted: false });`,
      'await consumer.connect();',
      `await consumer.subscribe({ topic: ${JSON.stringify(topic)}, fromBeginning: true });`,
      'await consumer.run({ eachMessage: async ({ message }) => console.log(message.key?.toString(), message.value?.toString()) });',
    ].join('\n'),
    java: [`bootstrap.servers=${servers}`, `group.id=${groupId}`, 'isolation.level=read_committed', 'auto.offset.reset=earliest', 'key.deserializer=org.apache.kafka.common.serialization.StringDeserializer', `value.deserializer=org.apache.kafka.common.serialization.${avro ? 'ByteArrayDeserializer' : 'StringDeserializer'}`, `# subscribe to: ${topic}`].join('\n'),
  };
}
