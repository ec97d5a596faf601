import type { Registry } from 'prom-client';
import type { ArchiveQueries } from '../clickhouse/archive-queries.js';
import type { WatchStore } from '../annotate/watch/store.js';
import type { FilterStore } from '../filter/store.js';
import type { LiveHub } from '../live/hub.js';
import type { JobResults } from '../jobs/results.js';
import type { JobStore } from '../jobs/store.js';
import type { Platform } from '../platform/platform.js';
import type { AlertTester } from './alert-tester.js';
import type { RateLimitSettings } from './rate-limit.js';
import type { ReadinessCheck } from './readiness.js';
import type { RecentMessages } from './sources/recent.js';
import type { StatusSource } from './sources/status.js';
import type { FilterStatsSource } from './sources/stats.js';
import type { NoticeSource } from './sources/notices.js';

/** What the /api/v1 routes work with; the api role builds it (see startApiServices). */
export interface ApiServices {
  platform: Platform;
  filters: FilterStore;
  /** Decodes and annotates alerts for POST /filters/test. */
  tester: AlertTester;
  stats?: FilterStatsSource;
  notices?: NoticeSource;
  rateLimit?: RateLimitSettings;
  /** Kafka bootstrap servers shown in the consumer settings of GET /streams. */
  brokers: string[];
  clock?: () => Date;
  /** The websocket live feeds (GET /live); startApiServices creates them when given the metrics registry. */
  live?: LiveHub;
  /** Jobs followed from the jobs topic and their results in ClickHouse; without them /jobs answers 503 JOBS_UNAVAILABLE. */
  jobs?: { store: JobStore; results: JobResults };
  /** The caller's watchlists and watchmaps on the watchlists topic; without it they answer 503 WATCH_UNAVAILABLE. */
  watch?: WatchStore;
  /** Reads of the ClickHouse archive for /alerts, /objects, /cone, /scs and cutouts; without it they answer 503 ARCHIVE_UNAVAILABLE. */
  archive?: ArchiveQueries;
  /** The newest survey messages of the input topics, for POST /filters/test/recent. */
  recent?: RecentMessages;
  /** Consumer groups, lag, ingest rate and dead letters for GET /status. */
  status?: StatusSource;
  /** This process's metrics and readiness checks (the server fills them in). */
  operations?: { registry: Registry; readiness: readonly ReadinessCheck[] };
}
