import { recordTimestampMs } from '../kafka/timestamp.js';

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

/** How far back (seconds of stream time behind the latest seen) a user's counts are kept. */
const HORIZON_SECONDS = 600;

/**
 * Matches per second per user, counted on the stream's clock: the caller passes the time each
 * alert entered Kafka, and at most `perSecond` of a user's matches among the alerts of any one
 * second pass. So the outcome does not depend on how fast the stream is read: a worker catching
 * up on a backlog (after a restart or an outage) drops what it would have dropped in real time,
 * and partitions read one after another, each running ahead of the others, count each alert in
 * its own second. A record more than HORIZON_SECONDS behind the latest one seen is not limited.
 */
export class MatchRateLimiter {
  private readonly users = new Map<string, { latest: number; bySecond: Map<number, number> }>();

  constructor(private readonly perSecond: number) {}

  allow(user: string, atMs: number): boolean {
    const second = Math.floor(atMs / 1000);
    let counts = this.users.get(user);
    if (!counts) this.users.set(user, (counts = { latest: second, bySecond: new Map() }));
    if (second > counts.latest) counts.latest = second;
    const oldest = counts.latest - HORIZON_SECONDS;
    if (second <= oldest) return true;
    const n = counts.bySecond.get(second) ?? 0;
    if (n >= this.perSecond) return false;
    counts.bySecond.set(second, n + 1);
    if (counts.bySecond.size > HORIZON_SECONDS) for (const s of counts.bySecond.keys()) if (s <= oldest) counts.bySecond.delete(s);
    return true;
  }
}

/**
 * The time the rate limits count an alert at: its record's Kafka timestamp, never later than
 * `nowMs` (a record stamped in the future would otherwise move the user's clock ahead and put
 * every record after it out of the limiter's reach), and `nowMs` when the record has no usable
 * timestamp.
 */
export function limitClock(nowMs: number, streamMs?: number): number {
  const at = recordTimestampMs(streamMs);
  return at === undefined ? nowMs : Math.min(at, nowMs);
}
