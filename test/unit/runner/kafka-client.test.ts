import { Writable } from 'node:stream';
import { logLevel } from 'kafkajs';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { createKafka, kafkaLogLevel, pinoLogCreator } from '../../../src/kafka/client.js';
import { silentLogger } from '../../../src/log/logger.js';

function capturingLogger(level = 'debug') {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('Kafka client', () => {
  it('routes kafkajs log entries into pino with their level, namespace and fields', async () => {
    const { logger, lines } = capturingLogger();
    const log = pinoLogCreator(logger)();
    log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 'x', logger: 'kafkajs', message: 'Crash', groupId: 'g' } });
    log({ namespace: 'Runner', level: logLevel.INFO, label: 'INFO', log: { timestamp: 'x', message: 'joined' } });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toMatchObject([
      { level: 50, msg: 'Crash', namespace: 'Consumer', groupId: 'g' },
      { level: 30, msg: 'joined', namespace: 'Runner' },
    ]);
    expect(lines[0]).not.toHaveProperty('timestamp');
  });

  it('asks kafkajs only for what the pino level keeps (its chatty INFO only when debugging)', () => {
    expect(kafkaLogLevel('debug')).toBe(logLevel.DEBUG);
    expect(kafkaLogLevel('info')).toBe(logLevel.WARN);
    expect(kafkaLogLevel('error')).toBe(logLevel.ERROR);
    expect(kafkaLogLevel('silent')).toBe(logLevel.NOTHING);
  });

  it('builds a client from the configuration and silences the partitioner warning', () => {
    const config = loadConfig({ env: { NIGHTJAR_KAFKA_BROKERS: 'kafka-a:9092,kafka-b:9092' } });
    expect(createKafka(config, silentLogger())).toBeDefined();
    expect(process.env.KAFKAJS_NO_PARTITIONER_WARNING).toBe('1');
  });
});
