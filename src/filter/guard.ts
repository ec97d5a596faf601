/**
 * Runaway guard: a filter version that matches more than `maxShare` of the last `window` alerts
 * is tripped, so a careless `mag > 0` cannot flood its owner's topic and the broker. Alerts are
 * numbered as they pass; each filter keeps only the sequence numbers of its own recent matches,
 * so the cost is per match, not per filter per alert (thousands of filters stay cheap).
 */
export class RunawayGuard {
  private sequence = 0;
  private readonly filters = new Map<string, { since: number; matches: number[] }>();
  private readonly limit: number;

  constructor(
    private readonly window: number,
    maxShare: number,
  ) {
    this.limit = maxShare * window;
  }

  /** Starts watching a filter version from the next alert on. */
  watch(key: string): void {
    this.filters.set(key, { since: this.sequence, matches: [] });
  }

  forget(key: string): void {
    this.filters.delete(key);
  }

  /** Counts one alert seen by every watched filter. */
  alertSeen(): void {
    this.sequence += 1;
  }

  /** Records a match of the current alert; returns the share over the window when it trips the guard. */
  matched(key: string): number | null {
    const state = this.filters.get(key);
    if (!state) return null;
    const oldest = this.sequence - this.window;
    state.matches.push(this.sequence);
    let drop = 0;
    while (drop < state.matches.length && state.matches[drop]! <= oldest) drop++;
    if (drop > 0) state.matches.splice(0, drop);
    const seenWholeWindow = this.sequence - state.since >= this.window;
    return seenWholeWindow && state.matches.length > this.limit ? state.matches.length / this.window : null;
  }
}

/**
 * Token bucket limiting matches per second per user, on the stream's clock: the caller passes
 * the time each alert entered Kafka, so a worker catching up on a backlog (after a restart or an
 * outage) drops what it would have dropped in real time, not everything above the rate it can
 * catch up at. Partitions interleave, so time that goes backwards adds no tokens.
 */
export class MatchRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly perSecond: number) {}

  allow(user: string, atMs: number): boolean {
    const bucket = this.buckets.get(user) ?? { tokens: this.perSecond, at: atMs };
    if (atMs > bucket.at) {
      bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((atMs - bucket.at) / 1000) * this.perSecond);
      bucket.at = atMs;
    }
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.buckets.set(user, bucket);
    return ok;
  }
}

/**
 * The time the rate limits count an alert at: its record's Kafka timestamp, never later than
 * `nowMs` (a record stamped in the future would otherwise stop the user's bucket refilling until
 * then), and `nowMs` when the record has no usable timestamp.
 */
export function limitClock(nowMs: number, streamMs?: number): number {
  return streamMs !== undefined && Number.isFinite(streamMs) && streamMs > 0 ? Math.min(streamMs, nowMs) : nowMs;
}
