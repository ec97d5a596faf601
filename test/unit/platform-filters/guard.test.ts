import { describe, expect, it } from 'vitest';
import { limitClock, MatchRateLimiter, RunawayGuard } from '../../../src/filter/guard.js';

describe('RunawayGuard', () => {
  /** Feeds alerts through the guard; `matches(i)` says whether alert i matched. Returns the alert index at which it tripped. */
  function run(guard: RunawayGuard, n: number, matches: (i: number) => boolean, key = 'f@1'): number | null {
    for (let i = 0; i < n; i++) {
      guard.alertSeen();
      if (matches(i) && guard.matched(key) !== null) return i;
    }
    return null;
  }

  it('does not trip before the filter has seen a whole window, however many match', () => {
    const guard = new RunawayGuard(100, 0.05);
    guard.watch('f@1');
    expect(run(guard, 99, () => true)).toBeNull();
  });

  it('trips when the share over a full window exceeds the limit', () => {
    const guard = new RunawayGuard(100, 0.05);
    guard.watch('f@1');
    expect(run(guard, 200, (i) => i % 10 === 0)).toBe(100); // 10% of every window > 5%
  });

  it('stays quiet at exactly the limit and forgets matches that leave the window', () => {
    const guard = new RunawayGuard(100, 0.05);
    guard.watch('f@1');
    expect(run(guard, 1000, (i) => i % 20 === 0)).toBeNull(); // exactly 5%
    const burst = new RunawayGuard(100, 0.05);
    burst.watch('f@1');
    // six matches close together after a quiet stretch trip it; six spread over 200 alerts do not
    expect(run(burst, 300, (i) => i >= 200 && i < 206)).toBe(205);
    const spread = new RunawayGuard(100, 0.05);
    spread.watch('f@1');
    expect(run(spread, 300, (i) => i > 100 && i % 34 === 0)).toBeNull();
  });

  it('ignores filters it does not watch and starts counting a new version afresh', () => {
    const guard = new RunawayGuard(10, 0.1);
    guard.watch('f@1');
    expect(run(guard, 50, () => true, 'other@1')).toBeNull();
    expect(run(guard, 50, () => true, 'f@1')).toBe(1); // window long done: the second match makes 2 of 10 > 10%
    guard.forget('f@1');
    guard.watch('f@2');
    expect(run(guard, 9, () => true, 'f@2')).toBeNull();
  });
});

describe('MatchRateLimiter', () => {
  const t0 = 1_700_000_000_000; // on a second's boundary

  it('lets at most the rate through among the alerts of one second, then the next second\'s', () => {
    const limiter = new MatchRateLimiter(10);
    const allowed = Array.from({ length: 15 }, () => limiter.allow('ada', t0)).filter(Boolean).length;
    expect(allowed).toBe(10);
    expect(limiter.allow('ada', t0 + 999)).toBe(false); // the same second
    expect(limiter.allow('ada', t0 + 1_000)).toBe(true);
  });

  it('runs on the stream clock: a backlog read at once is limited as it arrived, not as fast as it is read', () => {
    const limiter = new MatchRateLimiter(200);
    // 1,000 matches that entered Kafka at 100/s, all read in one catch-up: none over the rate.
    expect(Array.from({ length: 1_000 }, (_, i) => limiter.allow('ada', t0 + i * 10)).filter(Boolean).length).toBe(1_000);
    // 1,000 that entered within one second: 200 pass, however they are read.
    const burst = new MatchRateLimiter(200);
    expect(Array.from({ length: 1_000 }, (_, i) => burst.allow('ada', t0 + i)).filter(Boolean).length).toBe(200);
  });

  it('counts each alert in its own second when partitions are read one after another', () => {
    // Two partitions, each 300 alerts over 3 s at 100/s; the first read to its end before the second.
    const limiter = new MatchRateLimiter(200);
    const partition = Array.from({ length: 300 }, (_, i) => t0 + i * 10);
    const allowed = [...partition, ...partition].map((at) => limiter.allow('ada', at)).filter(Boolean).length;
    expect(allowed).toBe(600); // 200 per second in all: none over
    // A third partition over the same seconds finds each of them at its 200: all 300 are over.
    expect(partition.map((at) => limiter.allow('ada', at)).filter(Boolean).length).toBe(0);
  });

  it('does not limit a record more than ten minutes behind the latest one seen', () => {
    const limiter = new MatchRateLimiter(1);
    expect(limiter.allow('ada', t0)).toBe(true);
    expect(limiter.allow('ada', t0 + 3_600_000)).toBe(true);
    expect(limiter.allow('ada', t0)).toBe(true); // out of the window kept: let through
    expect(limiter.allow('ada', t0 + 3_600_000)).toBe(false);
  });

  it('keeps users apart', () => {
    const limiter = new MatchRateLimiter(1);
    expect(limiter.allow('ada', 0)).toBe(true);
    expect(limiter.allow('ada', 0)).toBe(false);
    expect(limiter.allow('grace', 0)).toBe(true);
  });
});

describe('limitClock', () => {
  const now = 1_700_000_000_000;
  it('counts an alert at its record timestamp, never later than now, and at now without one', () => {
    expect(limitClock(now, now - 5_000)).toBe(now - 5_000);
    expect(limitClock(now, now + 86_400_000)).toBe(now); // stamped tomorrow
    for (const bad of [undefined, Number.NaN, 0, -1]) expect(limitClock(now, bad)).toBe(now);
  });

  it('keeps limiting after a record stamped far in the future', () => {
    const limiter = new MatchRateLimiter(1);
    expect(limiter.allow('ada', limitClock(now, Date.UTC(2100, 0, 1)))).toBe(true);
    expect(limiter.allow('ada', limitClock(now + 100, now + 100))).toBe(false); // the same second as the first
    expect(limiter.allow('ada', limitClock(now + 2_000, now + 1_500))).toBe(true);
  });
});
