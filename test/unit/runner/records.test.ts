import { describe, expect, it } from 'vitest';
import { flatOffsets, nextOffsets, topicMessages } from '../../../src/runner/records.js';

describe('nextOffsets', () => {
  it('commits one past the highest offset of every partition', () => {
    const messages = [
      { topic: 'a', partition: 0, offset: '5' },
      { topic: 'a', partition: 1, offset: '9' },
      { topic: 'a', partition: 0, offset: '7' },
      { topic: 'b', partition: 0, offset: '0' },
      { topic: 'a', partition: 0, offset: '6' },
    ];
    expect(nextOffsets(messages)).toEqual([
      { topic: 'a', partitions: [{ partition: 0, offset: '8' }, { partition: 1, offset: '10' }] },
      { topic: 'b', partitions: [{ partition: 0, offset: '1' }] },
    ]);
  });

  it('compares 64-bit offsets exactly (no float rounding, no string ordering)', () => {
    const big = '9007199254740993'; // 2^53 + 1
    expect(nextOffsets([{ topic: 't', partition: 0, offset: big }, { topic: 't', partition: 0, offset: '10' }])).toEqual([
      { topic: 't', partitions: [{ partition: 0, offset: '9007199254740994' }] },
    ]);
    expect(nextOffsets([{ topic: 't', partition: 0, offset: '9' }, { topic: 't', partition: 0, offset: '10' }])[0]!.partitions[0]!.offset).toBe('11');
  });

  it('flattens for consumer.commitOffsets', () => {
    expect(flatOffsets([{ topic: 'a', partitions: [{ partition: 2, offset: '3' }] }])).toEqual([{ topic: 'a', partition: 2, offset: '3' }]);
  });
});

describe('topicMessages', () => {
  it('groups by topic keeping order, and passes only the fields a record sets', () => {
    const grouped = topicMessages([
      { topic: 'x', key: 'k1', value: 'v1' },
      { topic: 'y', value: Buffer.from('v2'), headers: { h: 'v' }, partition: 1, timestamp: '1000' },
      { topic: 'x', key: null, value: null },
    ]);
    expect(grouped).toEqual([
      { topic: 'x', messages: [{ key: 'k1', value: 'v1' }, { key: null, value: null }] },
      { topic: 'y', messages: [{ key: null, value: Buffer.from('v2'), headers: { h: 'v' }, partition: 1, timestamp: '1000' }] },
    ]);
  });
});

describe('chunkBySize', () => {
  it('keeps each produce call under the byte budget, a large record alone, order preserved', async () => {
    const { chunkBySize } = await import('../../../src/runner/records.js');
    const rec = (n: number, i: number) => ({ topic: 't', key: `k${i}`, value: Buffer.alloc(n) });
    const records = [rec(400, 0), rec(400, 1), rec(400, 2), rec(5000, 3), rec(10, 4)];
    const chunks = chunkBySize(records, 1000);
    expect(chunks.map((c) => c.map((r) => r.key))).toEqual([['k0', 'k1'], ['k2'], ['k3'], ['k4']]);
    expect(chunkBySize([], 1000)).toEqual([]);
  });
});
