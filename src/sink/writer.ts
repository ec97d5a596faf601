import type { ClickHouseClient } from '@clickhouse/client';
import { NightjarError, type ErrorCode } from '../errors/index.js';
import { quoteIdentifier } from './ddl.js';
import { ARCHIVE_TABLES, type ArchiveRows } from './rows.js';

/** Where the sink's rows go; an interface so the stage can be tested without a server. */
export interface ArchiveWriter {
  /** Inserts every row; throws CLICKHOUSE_UNAVAILABLE (retriable) or SINK_INSERT_REJECTED. */
  insert(rows: ArchiveRows): Promise<void>;
  /** True when the server answers. */
  healthy(): Promise<boolean>;
}

/** Server error codes that say "try again later" rather than "this insert is wrong". */
const TRANSIENT_SERVER_CODES = new Set([
  159, // TIMEOUT_EXCEEDED
  164, // READONLY (e.g. during start-up)
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
]);

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/**
 * Maps what the client threw to the catalogue: no answer (connection refused, reset, timed out) or
 * a transient server condition is CLICKHOUSE_UNAVAILABLE and retried; anything else is a rejection
 * of the insert itself. ClickHouse 18.16 answers errors as `Code: N, e.displayText() = ...`, which
 * the client does not parse, so the code is read from the message.
 */
export function classifyClickHouseError(err: unknown, table: string, rejected: ErrorCode = 'SINK_INSERT_REJECTED'): NightjarError {
  const error = err as { code?: unknown; message?: unknown };
  const message = typeof error?.message === 'string' ? error.message : String(err);
  const serverCode = Number(/^Code: (\d+)/.exec(message)?.[1] ?? (typeof error?.code === 'string' && /^\d+$/.test(error.code) ? error.code : NaN));
  const network = typeof error?.code === 'string' && NETWORK_CODES.has(error.code);
  const timeout = /timeout|socket hang up|ECONNRESET|ECONNREFUSED/i.test(message) && Number.isNaN(serverCode);
  if (network || timeout || TRANSIENT_SERVER_CODES.has(serverCode)) {
    return new NightjarError('CLICKHOUSE_UNAVAILABLE', `ClickHouse unavailable (${table}): ${message}`, { cause: err, details: { table } });
  }
  return new NightjarError(rejected, `ClickHouse refused a request on ${table}: ${message}`, { cause: err, details: { table, serverCode: Number.isNaN(serverCode) ? null : serverCode } });
}

export function clickhouseWriter(client: ClickHouseClient, database: string): ArchiveWriter {
  return {
    async insert(rows) {
      // One INSERT per table; a failure anywhere fails the whole batch, and the retry rewrites every
      // table, which the ReplacingMergeTree keys turn into no duplicates.
      await Promise.all(
        ARCHIVE_TABLES.filter((table) => rows[table].length > 0).map(async (table) => {
          try {
            await client.insert({ table: `${quoteIdentifier(database)}.${quoteIdentifier(table)}`, values: rows[table], format: 'JSONEachRow' });
          } catch (err) {
            throw classifyClickHouseError(err, table);
          }
        }),
      );
    },
    async healthy() {
      try {
        const result = await client.ping();
        return result.success;
      } catch {
        return false;
      }
    },
  };
}
