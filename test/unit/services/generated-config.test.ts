import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { isNightjarError } from '../../../src/errors/index.js';
import { clickhousePaths, clickhouseServerConfig, clickhouseUsers } from '../../../src/services/clickhouse-local.js';
import { formatStatus } from '../../../src/services/cli.js';
import { kafkaPaths, kafkaPom, kafkaServerProperties, newClusterId } from '../../../src/services/kafka-local.js';

const config = loadConfig({ env: { NIGHTJAR_KAFKA_PORT: '29092', NIGHTJAR_KAFKA_CONTROLLER_PORT: '29093', NIGHTJAR_CLICKHOUSE_HTTP_PORT: '28123', NIGHTJAR_STATE_DIR: '/srv/nj' } });

function properties(text: string): Map<string, string> {
  return new Map(text.split('\n').filter((line) => line && !line.startsWith('#')).map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

describe('local Kafka configuration', () => {
  it('is a single-node KRaft broker on the configured loopback ports, ready for transactions', () => {
    const props = properties(kafkaServerProperties(config, '/srv/nj/kafka/data'));
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:29093');
    expect(props.get('log.dirs')).toBe('/srv/nj/kafka/data');
    expect(props.get('num.partitions')).toBe(String(config.kafka.partitions));
    for (const key of ['offsets.topic.replication.factor', 'transaction.state.log.replication.factor', 'transaction.state.log.min.isr']) expect(props.get(key), key).toBe('1');
    expect(props.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('lives under the state directory and fetches the configured version', () => {
    expect(kafkaPaths(config).libs).toBe('/srv/nj/kafka/libs/3.9.1');
    expect(kafkaPom('3.9.1')).toContain('<artifactId>kafka_2.13</artifactId><version>3.9.1</version>');
  });

  it('makes cluster ids of 16 bytes in base64url that never look like an option', () => {
    for (let i = 0; i < 200; i++) {
      const id = newClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('local ClickHouse configuration', () => {
  it('binds loopback on the configured ports and keeps everything under the state directory', () => {
    const xml = clickhouseServerConfig(config, clickhousePaths(config));
    expect(xml).toContain('<listen_host>127.0.0.1</listen_host>');
    expect(xml).toContain('<http_port>28123</http_port>');
    expect(xml).toContain('<tcp_port>9000</tcp_port>');
    expect(xml).toContain('<path>/srv/nj/clickhouse/data/</path>');
    expect(xml).toContain('<log>/srv/nj/clickhouse/server.log</log>');
    expect(xml).not.toContain('/var/');
  });

  it('escapes the password and refuses a user name that cannot be an XML element', () => {
    expect(clickhouseUsers('default', 'a<b&"c')).toContain('<password>a&lt;b&amp;&quot;c</password>');
    let error: unknown;
    try {
      clickhouseUsers('bad name', '');
    } catch (err) {
      error = err;
    }
    expect(isNightjarError(error, 'CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('NIGHTJAR_CLICKHOUSE_USERNAME');
  });
});

describe('formatStatus', () => {
  it('prints one aligned line per service with state, health, pid, endpoint and log', () => {
    const text = formatStatus([
      { name: 'kafka', mode: 'local', running: true, healthy: true, pid: 12, endpoint: '127.0.0.1:9092', logFile: '/x/kafka/server.log' },
      { name: 'clickhouse', mode: 'external', running: false, healthy: false, pid: null, endpoint: 'http://ch:8123', logFile: null },
    ]);
    const [kafka, clickhouse] = text.trimEnd().split('\n');
    expect(kafka).toMatch(/^kafka\s+running\s+healthy\s+pid 12\s+127\.0\.0\.1:9092\s+log .*kafka\/server\.log$/);
    expect(clickhouse).toMatch(/^clickhouse\s+external\s+not answering\s+-\s+http:\/\/ch:8123$/);
    expect(kafka!.indexOf('running')).toBe(clickhouse!.indexOf('external'));
  });
});
