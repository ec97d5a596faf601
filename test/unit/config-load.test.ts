import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clickhouseUrl, envName, kafkaBrokers, loadConfig, usesExternalKafka } from '../../src/config/index.js';

function file(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'nightjar-config-')), 'config.json');
  writeFileSync(path, content);
  return path;
}

describe('configuration', () => {
  it('uses the defaults and the local services when nothing is set', () => {
    const config = loadConfig({ env: {} });
    expect(config.kafka.partitions).toBe(3);
    expect(usesExternalKafka(config)).toBe(false);
    expect(kafkaBrokers(config)).toEqual(['127.0.0.1:9092']);
    expect(clickhouseUrl(config)).toBe('http://127.0.0.1:8123');
  });

  it('names environment variables after the setting path', () => {
    expect(envName('runner.highWaterMark')).toBe('NIGHTJAR_RUNNER_HIGH_WATER_MARK');
    expect(envName('kafka.brokers')).toBe('NIGHTJAR_KAFKA_BROKERS');
  });

  it('applies file, then environment, then explicit overrides', () => {
    const path = file(JSON.stringify({ kafka: { partitions: 6, clientId: 'from-file' }, api: { port: 9000 } }));
    const config = loadConfig({ env: { NIGHTJAR_CONFIG: path, NIGHTJAR_KAFKA_PARTITIONS: '12', NIGHTJAR_TOPICS_INPUT: 'a, /^ztf_.*/' }, overrides: { api: { port: 9100 } } });
    expect(config.kafka.partitions).toBe(12);
    expect(config.kafka.clientId).toBe('from-file');
    expect(config.api.port).toBe(9100);
    expect(config.topics.input).toEqual(['a', '/^ztf_.*/']);
  });

  it('points at existing clusters with NIGHTJAR_KAFKA_BROKERS, KAFKA_BROKERS and NIGHTJAR_CLICKHOUSE_URL', () => {
    const prefixed = loadConfig({ env: { NIGHTJAR_KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_BROKERS: 'ignored:1' } });
    expect(kafkaBrokers(prefixed)).toEqual(['k1:9092', 'k2:9092']);
    expect(usesExternalKafka(prefixed)).toBe(true);
    expect(kafkaBrokers(loadConfig({ env: { KAFKA_BROKERS: 'k3:9093' } }))).toEqual(['k3:9093']);
    expect(clickhouseUrl(loadConfig({ env: { NIGHTJAR_CLICKHOUSE_URL: 'http://ch:8123' } }))).toBe('http://ch:8123');
  });

  it.each([
    [{ NIGHTJAR_API_PORT: '70000' }, /api\.port \(NIGHTJAR_API_PORT\) = 70000; allowed values: an integer port from 1 to 65535/],
    [{ NIGHTJAR_LOG_LEVEL: 'loud' }, /log\.level .*allowed values: trace, debug, info, warn, error, fatal, silent/],
    [{ NIGHTJAR_KAFKA_PARTITIONS: 'many' }, /kafka\.partitions .*allowed values: a number/],
    [{ NIGHTJAR_KAFKA_BROKERS: 'no-port' }, /kafka\.brokers .*host:port/],
    [{ NIGHTJAR_CLICKHOUSE_DATABASE: 'bad-name' }, /clickhouse\.database .*plain identifier/],
    [{ NIGHTJAR_FILTERS_RUNAWAY_SHARE: '2' }, /filters\.runawayShare .*at most 1/],
  ])('rejects %o with a message naming the setting and the allowed values', (env, message) => {
    expect(() => loadConfig({ env })).toThrow(message);
  });

  it('rejects unknown keys and unreadable files in the config file', () => {
    expect(() => loadConfig({ env: {}, file: file('{"kafka": {"partitons": 3}}') })).toThrow(/unknown setting kafka\.partitons/);
    expect(() => loadConfig({ env: {}, file: file('{not json') })).toThrow(/cannot read config file/);
    expect(() => loadConfig({ env: {}, file: '/nonexistent/nightjar.json' })).toThrow(/cannot read config file/);
  });
});
