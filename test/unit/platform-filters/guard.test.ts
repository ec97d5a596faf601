import { describe, expect, it } from 'vitest';
import { MatchRateLimiter, RunawayGuard } from '../../../src/filter/guard.js';

describe('RunawayGuard', () => {
  it('does not trip before the window is full, however many match', () => {
    const guard = new RunawayGuard(100, 0.05);
    for (let i = 0; i < 99; i++) expect(guard.record(true)).toBe(false);
  });

  it('trips when the share over a full window exceeds the limit', () => {
    const guard = new RunawayGuard(100, 0.05);
    const tripped = Array.from({ length: 100 }, (_, i) => guard.record(i % 10 === 0));
    expect(tripped.slice(0, 99).every((t) => !t)).toBe(true);
    expect(tripped[99]).toBe(true); // 10 of 100 = 10% > 5%
  });

  it('stays quiet at exactly the limit and forgets matches that leave the window', () => {
    const guard = new RunawayGuard(100, 0.05);
    for (let i = 0; i < 100; i++) expect(guard.record(i < 5)).toBe(false); // 5% is not more than 5%
    expect(guard.record(true)).toBe(false); // the first match left the window: still 5 of 100
    expect(guard.share).toBeCloseTo(0.05);
    expect(guard.record(true)).toBe(false);
    expect(guard.record(true)).toBe(false);
    expect(guard.record(true)).toBe(false);
    expect(guard.record(true)).toBe(false);
    expect(guard.record(true)).toBe(true); // matches 1-5 have left; 6 new ones → 6%
  });
});

describe('MatchRateLimiter', () => {
  it('allows a burst up to the rate, then refills with time', () => {
    const limiter = new MatchRateLimiter(10);
    const t0 = 1_000_000;
    const allowed = Array.from({ length: 15 }, () => limiter.allow('ada', t0)).filter(Boolean).length;
    expect(allowed).toBe(10);
    expect(limiter.allow('ada', t0 + 50)).toBe(false); // half a token
    expect(limiter.allow('ada', t0 + 100)).toBe(true);
  });

  it('keeps users apart', () => {
    const limiter = new MatchRateLimiter(1);
    expect(limiter.allow('ada', 0)).toBe(true);
    expect(limiter.allow('ada', 0)).toBe(false);
    expect(limiter.allow('grace', 0)).toBe(true);
  });
});
