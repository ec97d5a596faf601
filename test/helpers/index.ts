export { registerCleanup } from './cleanup.js';
export { testConfig } from './config.js';
export { committedOffsets, committedTotal, consumeAll, topicSize, createTestTopic, duplicates, produceMessages, withKafka, type ConsumeOptions, type KafkaKit, type SeenMessage, type TopicOptions } from './kafka.js';
export { metricValue } from './metrics.js';
export { uniqueName } from './names.js';
export { ScriptProcess } from './process.js';
export { waitFor, type WaitOptions } from './wait.js';
