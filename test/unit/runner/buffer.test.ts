import { describe, expect, it } from 'vitest';
import { NightjarError } from '../../../src/errors/index.js';
import { IntakeBuffer } from '../../../src/runner/buffer.js';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('IntakeBuffer', () => {
  it('hands items out in arrival order, at most max at a time', () => {
    const buffer = new IntakeBuffer<number>({ highWaterMark: 100, lowWaterMark: 10 });
    buffer.push(range(0, 7));
    buffer.push(range(7, 3));
    expect(buffer.take(4).items).toEqual([0, 1, 2, 3]);
    expect(buffer.take(100).items).toEqual([4, 5, 6, 7, 8, 9]);
    expect(buffer.take(5).items).toEqual([]);
    expect(buffer.size).toBe(0);
  });

  it('asks to pause at the high-water mark and to resume only at the low-water mark', () => {
    const buffer = new IntakeBuffer<number>({ highWaterMark: 10, lowWaterMark: 4 });
    expect(buffer.push(range(0, 9))).toBe('none');
    expect(buffer.push([9])).toBe('pause');
    expect(buffer.paused).toBe(true);
    expect(buffer.take(3).action).toBe('none'); // 7 left: between the marks, still paused
    expect(buffer.paused).toBe(true);
    expect(buffer.take(3).action).toBe('resume'); // 4 left
    expect(buffer.paused).toBe(false);
    expect(buffer.take(1).action).toBe('none');
  });

  it('says pause once per crossing, not on every push above the mark', () => {
    const buffer = new IntakeBuffer<number>({ highWaterMark: 5, lowWaterMark: 1 });
    expect(buffer.push(range(0, 8))).toBe('pause');
    expect(buffer.push([8])).toBe('none');
  });

  it('stays within high-water mark + one batch when the producer obeys pause', () => {
    const highWaterMark = 50;
    const fetchBatch = 17;
    const buffer = new IntakeBuffer<number>({ highWaterMark, lowWaterMark: 20 });
    let next = 0;
    for (let tick = 0; tick < 1_000; tick++) {
      if (!buffer.paused) buffer.push(range(next, fetchBatch)), (next += fetchBatch);
      if (tick % 3 === 0) buffer.take(10); // a consumer slower than the fetcher
    }
    expect(buffer.peakSize).toBeGreaterThanOrEqual(highWaterMark);
    expect(buffer.peakSize).toBeLessThanOrEqual(highWaterMark - 1 + fetchBatch);
  });

  it('keeps order across internal compaction', () => {
    const buffer = new IntakeBuffer<number>({ highWaterMark: 100_000, lowWaterMark: 1 });
    buffer.push(range(0, 5_000));
    const out: number[] = [];
    for (let i = 0; i < 30; i++) out.push(...buffer.take(100).items);
    buffer.push(range(5_000, 10));
    while (buffer.size > 0) out.push(...buffer.take(333).items);
    expect(out).toEqual(range(0, 5_010));
  });

  it('clear drops everything and resumes paused intake', () => {
    const buffer = new IntakeBuffer<number>({ highWaterMark: 3, lowWaterMark: 1 });
    buffer.push(range(0, 5));
    expect(buffer.clear()).toBe('resume');
    expect(buffer.size).toBe(0);
    expect(buffer.clear()).toBe('none');
  });

  it('wakes a waiter when items arrive, and when the signal aborts', async () => {
    const buffer = new IntakeBuffer<number>({ highWaterMark: 3, lowWaterMark: 1 });
    const controller = new AbortController();
    let woke = false;
    const waiting = buffer.waitForItems(controller.signal).then(() => (woke = true));
    await Promise.resolve();
    expect(woke).toBe(false);
    buffer.push([1]);
    await waiting;
    expect(woke).toBe(true);

    buffer.take(1);
    const aborted = buffer.waitForItems(controller.signal);
    controller.abort();
    await expect(aborted).resolves.toBeUndefined();
  });

  it('refuses water marks that cannot work', () => {
    expect(() => new IntakeBuffer({ highWaterMark: 10, lowWaterMark: 10 })).toThrow(NightjarError);
    expect(() => new IntakeBuffer({ highWaterMark: 10, lowWaterMark: 10 })).toThrow(/runner.lowWaterMark/);
  });
});
