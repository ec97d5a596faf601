import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { clickhouseUrl, type Config } from '../config/index.js';

/**
 * The ClickHouse client of a process, over HTTP (the official client; it speaks to Debian's 18.16
 * as well as to current servers). No default database: migrations create it, and queries name
 * their tables with the database (`nightjar.alerts`). The jobs role's client has the archive as
 * its default database (`database`) and does not log failed requests (`quiet`): a user's query
 * failing is reported on the job, not in the operator's log.
 */
export function createClickHouse(config: Config, options: { database?: string; quiet?: boolean } = {}): ClickHouseClient {
  return createClient({
    ...(options.database ? { database: options.database } : {}),
    url: clickhouseUrl(config),
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    request_timeout: config.clickhouse.requestTimeoutMs,
    // The client logs failed requests itself; callers report errors with context, so only its own problems show.
    log: { level: options.quiet ? ClickHouseLogLevel.OFF : ClickHouseLogLevel.ERROR },
    // A busy event loop fires the idle-socket timers late; check a socket's age before reusing it,
    // so a socket the server has closed is never written to ("socket hang up").
    keep_alive: { enabled: true, eagerly_destroy_stale_sockets: true },
  });
}
