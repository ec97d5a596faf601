import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NightjarError } from '../../../src/errors/index.js';
import { DEAD_LETTER_HEADERS as H, deadLetterRecord } from '../../../src/publish/dead-letter.js';

describe('dead-letter records', () => {
  const source = { topic: 'ztf-alerts', partition: 2, offset: '41' };
  const error = new NightjarError('DECODE_TRUNCATED', 'ends after 17 of 70000 bytes');

  it('keeps the original bytes and says where they came from and why', () => {
    const bytes = Uint8Array.from([0x4f, 0x62, 0x6a, 0x01, 9, 9]);
    const r = deadLetterRecord('dlq', source, bytes, error, 1024);
    expect(r.topic).toBe('dlq');
    expect(r.key).toBe('ztf-alerts:2:41');
    expect([...r.value]).toEqual([...bytes]);
    expect(r.headers[H.code]).toBe('DECODE_TRUNCATED');
    expect(r.headers[H.reason]).toBe('ends after 17 of 70000 bytes');
    expect(r.headers[H.partition]).toBe('2');
    expect(r.headers[H.offset]).toBe('41');
    expect(r.headers[H.sha256]).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(r.headers[H.truncated]).toBeUndefined();
  });

  it('cuts oversized values but keeps their size and hash', () => {
    const bytes = new Uint8Array(5000).fill(7);
    const r = deadLetterRecord('dlq', { ...source, index: 3 }, bytes, error, 1000);
    expect(r.value.length).toBe(1000);
    expect(r.key).toBe('ztf-alerts:2:41:3');
    expect(r.headers[H.size]).toBe('5000');
    expect(r.headers[H.truncated]).toBe('true');
    expect(r.headers[H.index]).toBe('3');
  });

  it('handles an empty message', () => {
    const r = deadLetterRecord('dlq', source, null, new NightjarError('DECODE_EMPTY', 'no bytes'), 1000);
    expect(r.value.length).toBe(0);
    expect(r.headers[H.size]).toBe('0');
  });
});
