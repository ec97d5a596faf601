import { describe, expect, it } from 'vitest';
import { StateTopic } from '../../src/kafka/state-topic.js';
import { silentLogger } from '../../src/log/logger.js';
import { registerCleanup, waitFor, withKafka } from '../helpers/index.js';

interface Item {
  name: string;
  n: number;
}

describe('StateTopic (platform state on a compacted topic)', () => {
  it('catches up with what the topic holds, then follows changes published by another process', async () => {
    const kit = await withKafka();
    const topic = await kit.createTopic({ partitions: 3, prefix: 'state' });
    const writer = new StateTopic<Item>({ kafka: kit.kafka, topic, logger: silentLogger() });
    registerCleanup(() => writer.stop());
    await writer.start();
    for (let i = 0; i < 20; i++) await writer.publish(`k${i % 10}`, { name: `k${i % 10}`, n: i });
    await writer.publish('k3', null);

    const reader = new StateTopic<Item>({ kafka: kit.kafka, topic, logger: silentLogger() });
    registerCleanup(() => reader.stop());
    await reader.start();
    // start() resolves only once everything present at start-up was applied: latest value per key, tombstones deleted
    expect(reader.size).toBe(9);
    expect(reader.get('k7')).toEqual({ name: 'k7', n: 17 });
    expect(reader.get('k3')).toBeUndefined();

    const seen: string[] = [];
    reader.on('change', (key) => seen.push(key));
    await writer.publish('k7', { name: 'k7', n: 99 });
    await waitFor(() => reader.get('k7')?.n === 99, { timeoutMs: 10_000, message: 'reader never saw the change' });
    expect(seen).toContain('k7');
  });

  it('starts at once on an empty topic and skips unreadable records without stopping', async () => {
    const kit = await withKafka();
    const topic = await kit.createTopic({ prefix: 'state' });
    const reader = new StateTopic<Item>({
      kafka: kit.kafka,
      topic,
      logger: silentLogger(),
      parse: (value) => {
        const item = value as Item;
        if (typeof item.n !== 'number') throw new Error('n missing');
        return item;
      },
    });
    registerCleanup(() => reader.stop());
    await reader.start();
    expect(reader.size).toBe(0);
    await kit.producer.send({ topic, messages: [{ key: 'bad', value: '{not json' }, { key: 'worse', value: '{"name":"x"}' }, { key: 'good', value: '{"name":"g","n":1}' }] });
    await waitFor(() => reader.get('good') !== undefined, { timeoutMs: 10_000, message: 'good record not applied' });
    expect(reader.get('bad')).toBeUndefined();
    expect(reader.get('worse')).toBeUndefined();
  });
});
