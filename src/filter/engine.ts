import type { Kafka, Producer } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Alert } from '../alert/types.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { MatchTarget } from '../publish/match.js';
import { limitClock, MatchRateLimiter, RunawayGuard } from './guard.js';
import { createLangMatcher, expressionErrors, type MatcherPort } from './lang-matcher.js';
import { activeVersionOf, userTopic, type FilterRecord } from './model.js';
import { FilterStore, type FilterNotice } from './store.js';

/** How often one owner is told about rate limiting at most (ms). */
const RATE_NOTICE_INTERVAL_MS = 60_000;

/**
 * The filter step of a worker: follows the filters topic, keeps every active filter version
 * compiled in an indexed matcher, and answers which versions an alert matches. Guards run here:
 * a version over the runaway share is paused (a new filter record) with a notice to its owner,
 * and matches over an owner's rate are dropped with a notice. A new version replaces the old one
 * between two alerts, without a restart and without dropping alerts.
 */
export class FilterEngine {
  readonly store: FilterStore;
  private readonly matcher: MatcherPort;
  private readonly guard: RunawayGuard;
  private readonly limiter: MatchRateLimiter;
  /** matcher key (`id@version`) → where its matches go. */
  private readonly targets = new Map<string, MatchTarget>();
  /** filter id → its active matcher key. */
  private readonly activeKey = new Map<string, string>();
  private readonly lastRateNotice = new Map<string, number>();
  private readonly log: Logger;
  private producer: Producer | undefined;
  private readonly metrics: { active: Gauge; evaluations: Counter; dropped: Counter<'reason'> };

  constructor(
    private readonly kafka: Kafka,
    private readonly config: Config,
    logger: Logger,
    registry: Registry,
    matcher: MatcherPort = createLangMatcher(),
  ) {
    this.log = logger.child({ component: 'filters' });
    this.matcher = matcher;
    this.store = new FilterStore(kafka, config, logger, expressionErrors);
    this.guard = new RunawayGuard(config.filters.runawayWindow, config.filters.runawayShare);
    this.limiter = new MatchRateLimiter(config.filters.maxMatchesPerSecond);
    this.metrics = {
      active: new Gauge({ name: 'nightjar_filters_active', help: 'Active filter versions evaluated by this worker', registers: [registry] }),
      evaluations: new Counter({ name: 'nightjar_filter_alerts_evaluated_total', help: 'Alerts run through the filter matcher', registers: [registry] }),
      dropped: new Counter({ name: 'nightjar_filter_matches_dropped_total', help: 'Matches not delivered, by reason (rate_limited, runaway)', labelNames: ['reason'], registers: [registry] }),
    };
    this.store.topic.on('change', (id, record) => this.apply(id, record));
  }

  /** Resolves once every filter on the topic at start-up is compiled. */
  async start(): Promise<void> {
    await this.store.start();
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.store.stop(), this.producer?.disconnect()]);
  }

  /**
   * The active versions this alert matches, after the runaway guard and the owners' rate limits.
   * `streamMs` is when the alert entered Kafka (its record timestamp): the rate limits run on
   * that clock, so catching up on a backlog is limited as the stream was, not as fast as it is
   * read (see limitClock).
   */
  match(alert: Alert, now: Date, streamMs?: number): MatchTarget[] {
    const limitAt = limitClock(now.getTime(), streamMs);
    this.guard.alertSeen();
    this.metrics.evaluations.inc();
    const out: MatchTarget[] = [];
    for (const key of this.matcher.match(alert)) {
      const target = this.targets.get(key);
      if (!target) continue;
      const share = this.guard.matched(key);
      if (share !== null) {
        this.trip(target, share);
        this.metrics.dropped.inc({ reason: 'runaway' });
        continue;
      }
      if (!this.limiter.allow(target.owner, limitAt)) {
        this.metrics.dropped.inc({ reason: 'rate_limited' });
        this.rateNotice(target, now);
        continue;
      }
      out.push(target);
    }
    return out;
  }

  /** Per-filter counters kept by the matcher (no metric label per filter). */
  stats(id: string): ReturnType<MatcherPort['stats']> {
    const key = this.activeKey.get(id);
    return key ? this.matcher.stats(key) : undefined;
  }

  /** Counters of every active version evaluated here, for the stats reporter. */
  activeStats(): { filterId: string; version: number; stats: NonNullable<ReturnType<MatcherPort['stats']>> }[] {
    const out = [];
    for (const [filterId, key] of this.activeKey) {
      const stats = this.matcher.stats(key);
      const target = this.targets.get(key);
      if (stats && target) out.push({ filterId, version: target.version, stats });
    }
    return out;
  }

  private apply(id: string, record: FilterRecord | undefined): void {
    const version = record ? activeVersionOf(record) : undefined;
    const key = record && version ? `${id}@${version.version}` : undefined;
    const previous = this.activeKey.get(id);
    if (previous === key) return;
    if (previous) {
      this.matcher.remove(previous);
      this.guard.forget(previous);
      this.targets.delete(previous);
      this.activeKey.delete(id);
    }
    if (record && version && key) {
      try {
        this.matcher.upsert(key, version.expression, record.owner);
      } catch (err) {
        this.log.warn({ filter: id, version: version.version, err: (err as Error).message }, 'active filter version does not compile; not evaluated');
        void this.notice({ filterId: id, owner: record.owner, version: version.version, kind: 'invalid-version', message: (err as Error).message, at: new Date().toISOString() });
        return;
      }
      this.guard.watch(key);
      this.targets.set(key, { filterId: id, version: version.version, owner: record.owner, topic: userTopic(record.owner), output: version.output });
      this.activeKey.set(id, key);
    }
    this.metrics.active.set(this.activeKey.size);
  }

  private trip(target: MatchTarget, share: number): void {
    const key = `${target.filterId}@${target.version}`;
    // Stop evaluating at once; the paused record reaches every other worker through the topic.
    this.matcher.remove(key);
    this.guard.forget(key);
    this.targets.delete(key);
    this.activeKey.delete(target.filterId);
    const percent = (share * 100).toFixed(1);
    const message = `paused: version ${target.version} matched ${percent}% of the last ${this.config.filters.runawayWindow} alerts (limit ${(this.config.filters.runawayShare * 100).toFixed(1)}%)`;
    this.log.warn({ filter: target.filterId, version: target.version, share }, 'runaway filter paused');
    void this.store
      .pause(target.filterId, target.owner, message)
      .catch((err: unknown) => this.log.error({ err, filter: target.filterId }, 'could not publish the pause of a runaway filter'));
    void this.notice({ filterId: target.filterId, owner: target.owner, version: target.version, kind: 'runaway-paused', message, at: new Date().toISOString() });
  }

  private rateNotice(target: MatchTarget, now: Date): void {
    const last = this.lastRateNotice.get(target.owner) ?? -Infinity;
    if (now.getTime() - last < RATE_NOTICE_INTERVAL_MS) return;
    this.lastRateNotice.set(target.owner, now.getTime());
    const message = `matches over ${this.config.filters.maxMatchesPerSecond}/s for user ${target.owner} are being dropped`;
    void this.notice({ filterId: target.filterId, owner: target.owner, version: target.version, kind: 'rate-limited', message, at: now.toISOString() });
  }

  private async notice(notice: FilterNotice): Promise<void> {
    try {
      this.producer ??= this.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await this.producer.connect();
      await this.producer.send({ topic: this.config.topics.notices, acks: -1, messages: [{ key: notice.filterId, value: JSON.stringify(notice) }] });
    } catch (err) {
      this.log.error({ err, notice }, 'could not publish a filter notice');
    }
  }
}
