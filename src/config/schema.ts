/**
 * The configuration schema: one defaults object (units in comments) and, for every setting,
 * how to read it from text and what values are allowed. Nested keys map to environment
 * variables with the prefix NIGHTJAR_: `kafka.brokers` is NIGHTJAR_KAFKA_BROKERS,
 * `api.port` is NIGHTJAR_API_PORT, `runner.highWaterMark` is NIGHTJAR_RUNNER_HIGH_WATER_MARK.
 */
export const defaults = {
  /** Directory for local service data, logs, pid files and caches (relative to the working directory). */
  stateDir: '.nightjar',
  log: {
    /** pino level: trace, debug, info, warn, error, fatal, silent. */
    level: 'info' as LogLevel,
  },
  kafka: {
    /** Existing brokers (host:port). Empty means: use the local broker started by `nightjar services`. */
    brokers: [] as string[],
    clientId: 'nightjar',
    /** Port of the local broker's client listener. */
    port: 9092,
    /** Port of the local broker's KRaft controller listener. */
    controllerPort: 9093,
    /** Apache Kafka version whose jars the launcher fetches from Maven Central. */
    version: '3.9.1',
    /** Heap of the local broker (MiB). */
    heapMb: 512,
    /** Partitions of every topic Nightjar creates. */
    partitions: 3,
    /** Replication factor of every topic Nightjar creates (1 for the local single node). */
    replicationFactor: 1,
    /** Retention of the enriched and per-user topics (hours). */
    retentionHours: 168,
    /** Timeout of a single Kafka request (ms). */
    requestTimeoutMs: 30_000,
  },
  topics: {
    /** Survey input topics the ingest stage consumes; an entry between slashes is a pattern, e.g. /^ztf_.*\/. */
    input: ['ztf-alerts', 'lsst-alerts'] as string[],
    /** Input topics created at start on the local broker (the surveys' own topics in production). */
    ztf: 'ztf-alerts',
    lsst: 'lsst-alerts',
    enriched: 'nightjar.enriched',
    deadLetter: 'nightjar.dead-letter',
    users: 'nightjar.users',
    tokens: 'nightjar.tokens',
    filters: 'nightjar.filters',
    watchlists: 'nightjar.watchlists',
    jobs: 'nightjar.jobs',
    models: 'nightjar.models',
    /** Notices to filter owners (runaway pauses, rate limiting); not compacted. */
    notices: 'nightjar.notices',
    /** Per-filter counters each worker reports (compacted, key `<filterId>@<instance>`); the API reads them. */
    filterStats: 'nightjar.filter-stats',
  },
  clickhouse: {
    /** Existing ClickHouse HTTP endpoint. Empty means: use the local server started by `nightjar services`. */
    url: '',
    /** Ports of the local server. */
    httpPort: 8123,
    tcpPort: 9000,
    interserverPort: 9009,
    database: 'nightjar',
    username: 'default',
    password: '',
    /** Timeout of one ClickHouse request (ms). */
    requestTimeoutMs: 30_000,
  },
  schemaRegistry: {
    /** Confluent Schema Registry for Rubin schema ids not bundled under schemas/lsst. Empty: bundled only. */
    url: '',
  },
  services: {
    /** How long `services start` waits for each service's health check (ms). */
    startTimeoutMs: 90_000,
  },
  runner: {
    /** Names this process in consumer groups and transactional ids; empty means the host name. Keep it stable across restarts. */
    instanceId: '',
    /** Consumer groups are named `<groupPrefix>-<role>` (e.g. nightjar-worker); separate deployments on one cluster use different prefixes. */
    groupPrefix: 'nightjar',
    /** Records handed to a stage's process() at most at once. */
    batchSize: 500,
    /** Records buffered in memory before partitions are paused (backpressure). */
    highWaterMark: 2_000,
    /** Buffered records below which paused partitions resume. */
    lowWaterMark: 500,
    /** Attempts for a retriable failure before the runner gives up on the batch and stops. */
    retries: 8,
    /** First retry delay (ms); doubles each attempt, with jitter. */
    retryInitialMs: 200,
    /** Ceiling of one retry delay (ms). */
    retryMaxMs: 10_000,
    /** Consumer session timeout (ms). */
    sessionTimeoutMs: 30_000,
    /** How long shutdown waits for in-flight batches (ms). */
    shutdownTimeoutMs: 20_000,
    /** How often a runner with input patterns looks for new matching topics (ms), e.g. a user's match topic for the archive. */
    topicRefreshMs: 15_000,
  },
  ingest: {
    /** Largest message accepted (bytes); larger ones are dead-lettered. */
    maxMessageBytes: 16 * 1024 * 1024,
    /** Bytes of the original message kept in a dead-letter record (the rest is cut; size and SHA-256 kept). Below the brokers' message.max.bytes. */
    deadLetterMaxBytes: 900_000,
    /** Largest array in a decoded record (elements); guards memory against hostile input. */
    maxArrayLength: 100_000,
  },
  filters: {
    /** Share of alerts above which a filter version is paused by the runaway guard (0..1). */
    runawayShare: 0.05,
    /** Alerts in the runaway guard's window. */
    runawayWindow: 1_000,
    /** Matches delivered per second per user; the excess is counted and reported as a notice. */
    maxMatchesPerSecond: 200,
    /** Retention of per-user match topics (hours). */
    topicRetentionHours: 168,
    /** How often a worker reports its per-filter counters to the filter-stats topic (ms). */
    statsIntervalMs: 10_000,
  },
  jobs: {
    /** Jobs the jobs role runs at once; more wait queued. */
    concurrency: 2,
    /** Queued or running jobs a user may have at once. */
    maxPerUser: 10,
    /** How long results are kept after a job finishes (hours); then the job and its results are deleted. */
    resultTtlHours: 168,
    /** Runs a job may start: a restart of the jobs role while it runs starts it again, up to this. */
    maxAttempts: 2,
    /** Query jobs: ClickHouse max_execution_time (s) and max_result_rows. */
    queryTimeoutSeconds: 60,
    queryMaxRows: 1_000_000,
    /** Rows any job may write to its results. */
    maxResultRows: 1_000_000,
    /** Alerts read from the archive per page by backfill and export jobs. */
    pageSize: 500,
  },
  sink: {
    /** Most rows per archive insert into one table; a batch of fewer records waits for flushMs. */
    batchRows: 5_000,
    /** Least time between two inserts of small batches (ms), so ClickHouse gets few, large parts. */
    flushMs: 1_000,
  },
  annotate: {
    /** Crossmatch against the shipped Yale Bright Star Catalogue (name `brightstars`, 60 arcsec). */
    brightStars: true,
    /** JSON file listing further catalogs ({name, file, format, idColumn, raColumn, decColumn, columns, radiusArcsec}[]); empty for none. */
    catalogsFile: '',
    /** Compute light-curve features (lc.*). */
    features: true,
  },
  anomaly: {
    /** Field paths of the anomaly model's feature vector. */
    features: ['mag', 'snr', 'lc.all.ndet', 'lc.all.daysSinceFirst', 'lc.all.amplitude', 'lc.all.std', 'lc.all.dmdt', 'lc.all.slope'] as string[],
    trees: 100,
    /** Training rows drawn per tree. */
    sampleSize: 256,
    /** Feature vectors kept in the trainer's reservoir sample. */
    reservoirSize: 10_000,
    /** Alerts seen before the first model is trained. */
    minAlerts: 256,
    /** Retrain after this many new alerts ... */
    retrainEveryAlerts: 10_000,
    /** ... or this many minutes, whichever comes first (once at least minAlerts were seen). */
    retrainMinutes: 60,
    seed: 1,
  },
  api: {
    host: '127.0.0.1',
    port: 8080,
    /** Largest request body (bytes). */
    bodyLimit: 10 * 1024 * 1024,
  },
  live: {
    /** Websocket connections (GET /api/v1/live) the api role holds in total; more are closed with 1013. */
    maxConnections: 2_000,
    /** Websocket connections per token; more are closed with 4029. */
    maxConnectionsPerToken: 20,
    /** Subscriptions per websocket connection. */
    maxSubscriptions: 16,
    /** Messages queued for one connection before it is closed as a slow consumer (4008); a notice at half. */
    sendQueueMessages: 1_000,
    /** Bytes queued for one connection before it is closed as a slow consumer (4008); a notice at half. */
    sendQueueBytes: 8 * 1024 * 1024,
    /** Bytes a connection's socket may hold unsent before further frames wait in its send queue. */
    socketBufferBytes: 256 * 1024,
    /** Interval of websocket pings (ms); a peer that has not answered the previous one is terminated. */
    heartbeatMs: 30_000,
    /** How long a connection closed as slow may take to accept the close frame before it is cut (ms). */
    closeGraceMs: 5_000,
    /** Recent messages each shared topic reader keeps for clients resuming with a cursor (one reader per followed topic); a reader starts this many before the topic's end. */
    replayMessages: 1_000,
    /** Bytes of recent messages each shared topic reader keeps for resuming clients; older cursors are served from Kafka. */
    replayBytes: 8 * 1024 * 1024,
    /** How long a shared topic reader keeps running after its last subscriber left (ms). */
    idleReaderMs: 30_000,
    /** How long a connection's frames wait to go out together in one socket write (ms); 0: only what one turn of the event loop queued. */
    coalesceMs: 0,
  },
  dashboard: {
    hips: {
      /** HiPS image survey behind the sky view's Aladin Lite (the browser fetches `<url>/properties` and tiles); empty: always the offline projection. */
      url: 'https://alasky.cds.unistra.fr/DSS/DSSColor',
      /** How long the browser waits for `<url>/properties` before drawing the offline projection instead (ms). */
      probeTimeoutMs: 4_000,
    },
  },
};

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
export const logLevels: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

type Widen<T> = T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends readonly (infer U)[] ? Widen<U>[] : { [K in keyof T]: Widen<T[K]> };
export type Config = Widen<typeof defaults> & { log: { level: LogLevel } };

/** Extra rules beyond "has the type of its default": key path → check returning an error or null. */
export const rules: Record<string, (value: unknown) => string | null> = {
  'log.level': (v) => (logLevels.includes(v as LogLevel) ? null : `allowed values: ${logLevels.join(', ')}`),
  'kafka.port': port,
  'kafka.controllerPort': port,
  'clickhouse.httpPort': port,
  'clickhouse.tcpPort': port,
  'clickhouse.interserverPort': port,
  'api.port': port,
  'kafka.partitions': positiveInteger,
  'kafka.replicationFactor': positiveInteger,
  'kafka.heapMb': positiveInteger,
  'runner.batchSize': positiveInteger,
  'runner.topicRefreshMs': positiveInteger,
  'runner.highWaterMark': positiveInteger,
  'runner.lowWaterMark': nonNegativeInteger,
  'runner.retries': nonNegativeInteger,
  'ingest.deadLetterMaxBytes': positiveInteger,
  'filters.runawayShare': (v) => (typeof v === 'number' && v > 0 && v <= 1 ? null : 'allowed values: a number greater than 0 and at most 1'),
  'filters.runawayWindow': positiveInteger,
  'filters.maxMatchesPerSecond': positiveInteger,
  'filters.statsIntervalMs': positiveInteger,
  'sink.batchRows': positiveInteger,
  'anomaly.trees': positiveInteger,
  'anomaly.sampleSize': positiveInteger,
  'anomaly.reservoirSize': positiveInteger,
  'anomaly.minAlerts': positiveInteger,
  'anomaly.retrainEveryAlerts': positiveInteger,
  'anomaly.retrainMinutes': positiveInteger,
  'anomaly.features': (v) => ((v as string[]).length > 0 ? null : 'allowed values: a non-empty comma-separated list of field paths'),
  'sink.flushMs': positiveInteger,
  'live.maxConnections': positiveInteger,
  'live.maxConnectionsPerToken': positiveInteger,
  'live.maxSubscriptions': positiveInteger,
  'live.sendQueueMessages': positiveInteger,
  'live.sendQueueBytes': positiveInteger,
  'live.socketBufferBytes': positiveInteger,
  'live.heartbeatMs': positiveInteger,
  'live.closeGraceMs': positiveInteger,
  'live.replayMessages': positiveInteger,
  'live.replayBytes': positiveInteger,
  'live.idleReaderMs': positiveInteger,
  'live.coalesceMs': nonNegativeInteger,
  'clickhouse.database': (v) => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(v as string) ? null : 'allowed values: a plain identifier (letters, digits and _, not starting with a digit)'),
  'kafka.brokers': (v) => ((v as string[]).every((b) => /^[^\s:]+:\d+$/.test(b)) ? null : 'allowed values: a comma-separated list of host:port'),
  'clickhouse.url': (v) => (v === '' || /^https?:\/\/[^\s]+$/.test(v as string) ? null : 'allowed values: empty or an http(s):// URL'),
  'dashboard.hips.url': (v) => (v === '' || /^https?:\/\/[^\s"'<>]+[^\s"'<>/]$/.test(v as string) ? null : 'allowed values: empty (no image survey) or an http(s):// URL without a trailing slash'),
  'dashboard.hips.probeTimeoutMs': positiveInteger,
  'schemaRegistry.url': (v) => (v === '' || /^https?:\/\/[^\s]+$/.test(v as string) ? null : 'allowed values: empty or an http(s):// URL'),
};

function port(v: unknown): string | null {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535 ? null : 'allowed values: an integer port from 1 to 65535';
}
function positiveInteger(v: unknown): string | null {
  return Number.isInteger(v) && (v as number) > 0 ? null : 'allowed values: an integer greater than 0';
}
function nonNegativeInteger(v: unknown): string | null {
  return Number.isInteger(v) && (v as number) >= 0 ? null : 'allowed values: an integer 0 or greater';
}
