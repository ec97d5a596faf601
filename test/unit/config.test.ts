import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, envName, kafkaBrokers, loadConfig, usesExternalKafka } from '../../src/config/index.js';
import { isNightjarError, type NightjarError } from '../../src/errors/index.js';

const dir = mkdtempSync(join(tmpdir(), 'nightjar-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function configFile(content: unknown): string {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function failure(fn: () => unknown): NightjarError {
  try {
    fn();
  } catch (err) {
    if (isNightjarError(err)) return err;
    throw err;
  }
  throw new Error('expected an error');
}

describe('loadConfig', () => {
  it('uses the local services by default', () => {
    const config = loadConfig({ env: {} });
    expect(usesExternalKafka(config)).toBe(false);
    expect(kafkaBrokers(config)).toEqual(['127.0.0.1:9092']);
    expect(clickhouseUrl(config)).toBe('http://127.0.0.1:8123');
  });

  it('maps nested camelCase settings to NIGHTJAR_ variables', () => {
    expect(envName('kafka.brokers')).toBe('NIGHTJAR_KAFKA_BROKERS');
    expect(envName('clickhouse.httpPort')).toBe('NIGHTJAR_CLICKHOUSE_HTTP_PORT');
    expect(envName('services.startTimeoutMs')).toBe('NIGHTJAR_SERVICES_START_TIMEOUT_MS');
  });

  it('reads environment overrides, converting text to the type of the default', () => {
    const config = loadConfig({ env: { NIGHTJAR_KAFKA_PORT: '19092', NIGHTJAR_KAFKA_BROKERS: 'a:1, b:2', NIGHTJAR_ANNOTATE_FEATURES: 'false', NIGHTJAR_CLICKHOUSE_URL: 'http://ch:8123' } });
    expect(config.kafka.port).toBe(19092);
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.annotate.features).toBe(false);
    expect(clickhouseUrl(config)).toBe('http://ch:8123');
  });

  it('honours KAFKA_BROKERS, but the prefixed variable wins', () => {
    expect(loadConfig({ env: { KAFKA_BROKERS: 'k:9092' } }).kafka.brokers).toEqual(['k:9092']);
    expect(loadConfig({ env: { KAFKA_BROKERS: 'k:9092', NIGHTJAR_KAFKA_BROKERS: 'n:9092' } }).kafka.brokers).toEqual(['n:9092']);
  });

  it('applies the file, then the environment over it, then explicit overrides', () => {
    const file = configFile({ kafka: { port: 1111, partitions: 7 }, clickhouse: { database: 'fromfile' } });
    const config = loadConfig({ env: { NIGHTJAR_CONFIG: file, NIGHTJAR_KAFKA_PORT: '2222' }, overrides: { clickhouse: { database: 'fromoverride' } } });
    expect(config.kafka.partitions).toBe(7);
    expect(config.kafka.port).toBe(2222);
    expect(config.clickhouse.database).toBe('fromoverride');
  });

  it('names the setting, its variable and the allowed values for an invalid port', () => {
    const error = failure(() => loadConfig({ env: { NIGHTJAR_KAFKA_PORT: '70000' } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('kafka.port');
    expect(error.message).toContain('NIGHTJAR_KAFKA_PORT');
    expect(error.message).toContain('1 to 65535');
    expect(failure(() => loadConfig({ env: { NIGHTJAR_CLICKHOUSE_HTTP_PORT: 'eighty' } })).message).toContain('clickhouse.httpPort');
  });

  it('names the allowed log levels for an invalid one', () => {
    const error = failure(() => loadConfig({ env: { NIGHTJAR_LOG_LEVEL: 'loud' } }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('log.level');
    expect(error.message).toContain('trace, debug, info, warn, error, fatal, silent');
  });

  it('refuses malformed brokers and unknown settings in a file', () => {
    expect(failure(() => loadConfig({ env: { NIGHTJAR_KAFKA_BROKERS: 'no-port' } })).message).toContain('host:port');
    const error = failure(() => loadConfig({ env: {}, file: configFile({ kafka: { prot: 1 } }) }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain('kafka.prot');
  });

  it('reports an unreadable file as CONFIG_FILE_UNREADABLE naming it', () => {
    const file = configFile('{ not json');
    const error = failure(() => loadConfig({ env: {}, file }));
    expect(error.code).toBe('CONFIG_FILE_UNREADABLE');
    expect(error.message).toContain(file);
  });
});
