import { describe, expect, it } from 'vitest';
import { consumerSettings } from '../../../src/api/consumer-settings.js';
import { NoticeBuffer, parseNotice } from '../../../src/api/sources/notices.js';
import { inProcessStatsSource, parseStatsRecord, summarise, type FilterStatsRecord } from '../../../src/api/sources/stats.js';

const record = (over: Partial<FilterStatsRecord>): FilterStatsRecord => ({ filterId: 'f', version: 2, instance: 'w1', evaluated: 100, matched: 4, errors: 0, totalNs: 200_000, at: '2026-03-01T00:00:00.000Z', ...over });

describe('filter statistics', () => {
  it('sum the workers\' reports of the newest version only', () => {
    const view = summarise('f', [record({}), record({ instance: 'w2', evaluated: 300, matched: 6, totalNs: 600_000, at: '2026-03-01T00:00:05.000Z', errors: 1, lastError: { code: 'FILTER_EVALUATION', message: 'boom' } }), record({ instance: 'w3', version: 1, evaluated: 10_000 })]);
    expect(view).toEqual({ filterId: 'f', version: 2, evaluated: 400, matched: 10, errors: 1, meanEvalMicros: 2, lastError: { code: 'FILTER_EVALUATION', message: 'boom' }, reporters: 2, updatedAt: '2026-03-01T00:00:05.000Z' });
    expect(summarise('f', [])).toBeUndefined();
  });

  it('come from the engine in this process when it runs here', () => {
    const source = inProcessStatsSource((id) => (id === 'f' ? { evaluated: 10, matched: 1, errors: 0, totalNs: 5_000 } : undefined), () => 3, () => new Date('2026-03-01T00:00:00Z'));
    expect(source.stats('f')).toMatchObject({ version: 3, evaluated: 10, matched: 1, meanEvalMicros: 0.5, reporters: 1 });
    expect(source.stats('g')).toBeUndefined();
  });

  it('refuse a stored record whose key is not filterId@instance or whose counters are not numbers', () => {
    expect(parseStatsRecord(record({}), 'f@w1')).toMatchObject({ filterId: 'f' });
    expect(() => parseStatsRecord(record({}), 'f@w2')).toThrow();
    expect(() => parseStatsRecord({ ...record({}), matched: 'many' }, 'f@w1')).toThrow();
  });
});

describe('filter notices', () => {
  it('keep the newest N per filter, newest first, and skip malformed records', () => {
    const buffer = new NoticeBuffer(2);
    for (const i of [1, 2, 3]) buffer.add({ filterId: 'f', owner: 'a', version: i, kind: 'rate-limited', message: `m${i}`, at: `2026-03-01T00:00:0${i}Z` });
    buffer.add({ filterId: 'g', owner: 'a', version: 1, kind: 'runaway-paused', message: 'x', at: '2026-03-01T00:00:00Z' });
    expect(buffer.recent('f').map((n) => n.version)).toEqual([3, 2]);
    expect(buffer.recent('g')).toHaveLength(1);
    expect(buffer.recent('none')).toEqual([]);
    expect(parseNotice('{not json')).toBeNull();
    expect(parseNotice(JSON.stringify({ filterId: 'f', owner: 'a', kind: 'weird', message: 'x', at: 'now' }))).toBeNull();
    expect(parseNotice(JSON.stringify({ filterId: 'f', owner: 'a', version: 2, kind: 'invalid-version', message: 'x', at: '2026-03-01T00:00:00Z', extra: 1 }))).toEqual({ filterId: 'f', owner: 'a', version: 2, kind: 'invalid-version', message: 'x', at: '2026-03-01T00:00:00Z' });
  });
});

describe('consumer settings', () => {
  const settings = consumerSettings({ topic: 'nightjar.user.alice', brokers: ['k1:9092', 'k2:9092'], groupId: 'alice-matches' });

  it('name the topic, brokers and group in every client, all read_committed', () => {
    for (const text of Object.values(settings)) {
      expect(text).toContain('nightjar.user.alice');
      expect(text).toContain('alice-matches');
    }
    expect(settings.kcat).toBe("kcat -C -b k1:9092,k2:9092 -G alice-matches -X isolation.level=read_committed -X auto.offset.reset=earliest -f '%k %s\\n' nightjar.user.alice");
    expect(settings.python).toContain('"isolation.level": "read_committed"');
    expect(settings.python).toContain('"bootstrap.servers": "k1:9092,k2:9092"');
    expect(settings.kafkajs).toContain('readUncommitted: false');
    expect(settings.kafkajs).toContain('brokers: ["k1:9092","k2:9092"]');
    expect(settings.java.split('\n')).toContain('isolation.level=read_committed');
    expect(settings.java).toContain('StringDeserializer');
  });

  it('read Avro values as bytes in Java', () => {
    expect(consumerSettings({ topic: 't', brokers: ['k:1'], groupId: 'g', avro: true }).java).toContain('value.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer');
  });
});
