import { describe, expect, it } from 'vitest';
import { TopicTail } from '../../src/api/sources/recent.js';
import { silentLogger } from '../../src/log/logger.js';
import { withKafka } from '../helpers/index.js';

describe('TopicTail (the newest survey messages, for filter previews)', () => {
  it('returns the newest messages first, and those written without a usable timestamp last with none', async () => {
    const kit = await withKafka();
    const topic = await kit.createTopic({ prefix: 'recent' });
    const now = Date.now();
    await kit.producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'older', value: 'a', timestamp: String(now - 60_000) },
        // -1: the "no timestamp" of the record format; 9e15 ms: a timestamp no Date can hold (±8.64e15).
        { key: 'none', value: 'b', timestamp: '-1' },
        { key: 'newer', value: 'c', timestamp: String(now) },
        { key: 'far', value: 'd', timestamp: '9000000000000000' },
      ],
    });
    const tail = new TopicTail(kit.kafka, { ...kit.config, topics: { ...kit.config.topics, input: [topic] } }, silentLogger());

    const newest = await tail.newest(10);

    expect(newest.map((m) => m.value.toString())).toEqual(['c', 'a', 'd', 'b']);
    expect(newest.map((m) => m.timestamp)).toEqual([new Date(now).toISOString(), new Date(now - 60_000).toISOString(), null, null]);
  });
});
