import { Kafka, logLevel, Partitioners, type LogEntry, type Producer, type ProducerConfig } from 'kafkajs';
import { kafkaBrokers, type Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { fixRequestQueueTimers } from './request-queue.js';

// kafkajs 2 warns once per producer that its default partitioner changed in 2.0. Every producer
// Nightjar creates uses that default (murmur2, like the Java client), so the warning is noise.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
// Every broker connection of kafkajs 2.2.4 wakes the process every millisecond for nothing (request-queue.ts).
fixRequestQueueTimers();

/** How long to wait for a TCP connection to a broker (ms); kafkajs' 1 s default is tight on a busy machine. */
const CONNECTION_TIMEOUT_MS = 5_000;

/**
 * The one Kafka client of a process: brokers, client id, request timeout and retry settings from
 * the configuration, and kafkajs' own log lines routed into pino under component `kafka`.
 */
export function createKafka(config: Config, logger: Logger): Kafka {
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: kafkaBrokers(config),
    requestTimeout: config.kafka.requestTimeoutMs,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    retry: {
      initialRetryTime: config.runner.retryInitialMs,
      maxRetryTime: config.runner.retryMaxMs,
      retries: config.runner.retries,
    },
    logLevel: kafkaLogLevel(logger.level),
    logCreator: pinoLogCreator(logger.child({ component: 'kafka' })),
  });
}

/**
 * A producer that hashes keys with murmur2 like the Java client (so a key lands on the partition
 * other clients expect) and is idempotent: retries after a lost acknowledgement write once.
 */
export function createProducer(kafka: Kafka, options: ProducerConfig = {}): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    ...options,
  });
}

/** kafkajs log level matching a pino level, so kafkajs does not even format lines pino would drop. */
export function kafkaLogLevel(pinoLevel: string): logLevel {
  switch (pinoLevel) {
    case 'trace':
    case 'debug':
      return logLevel.DEBUG;
    case 'info':
      // kafkajs logs every join, pause and resume at INFO; at our info level only its warnings count.
      return logLevel.WARN;
    case 'warn':
      return logLevel.WARN;
    case 'silent':
      return logLevel.NOTHING;
    default:
      return logLevel.ERROR;
  }
}

export function pinoLogCreator(logger: Logger): () => (entry: LogEntry) => void {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, logger: _name, ...fields } = log;
      const record = { namespace, ...fields };
      if (level === logLevel.ERROR) logger.error(record, message);
      else if (level === logLevel.WARN) logger.warn(record, message);
      else if (level === logLevel.INFO) logger.info(record, message);
      else logger.debug(record, message);
    };
}
