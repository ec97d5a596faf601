/**
 * Runaway guard: a filter version that matches more than `maxShare` of the last `window`
 * alerts it evaluated is tripped, so a careless `mag > 0` cannot flood its owner's topic and
 * the broker. The window is a ring of bits; the count is updated in O(1) per alert.
 */
export class RunawayGuard {
  private readonly ring: Uint8Array;
  private position = 0;
  private filled = 0;
  private matches = 0;

  constructor(
    private readonly window: number,
    private readonly maxShare: number,
  ) {
    this.ring = new Uint8Array(window);
  }

  /** Records one evaluation; returns true when the filter has just gone over the limit. */
  record(matched: boolean): boolean {
    const bit = matched ? 1 : 0;
    if (this.filled === this.window) this.matches -= this.ring[this.position]!;
    else this.filled += 1;
    this.ring[this.position] = bit;
    this.matches += bit;
    this.position = (this.position + 1) % this.window;
    return this.filled === this.window && this.matches / this.window > this.maxShare;
  }

  get share(): number {
    return this.filled === 0 ? 0 : this.matches / this.filled;
  }
}

/** Token bucket limiting matches per second per user; time comes from the caller (alert or clock). */
export class MatchRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  allow(user: string, nowMs: number): boolean {
    const bucket = this.buckets.get(user) ?? { tokens: this.perSecond, at: nowMs };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((nowMs - bucket.at) / 1000) * this.perSecond);
    bucket.at = nowMs;
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.buckets.set(user, bucket);
    return ok;
  }
}
