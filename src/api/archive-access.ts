import type { ArchiveQueries } from '../clickhouse/archive-queries.js';
import { NightjarError, isNightjarError } from '../errors/index.js';
import type { ApiServices } from './context.js';

/** ClickHouse server codes meaning the archive was never created here (migrations not run). */
const MISSING_ARCHIVE_CODES = new Set([60 /* UNKNOWN_TABLE */, 81 /* UNKNOWN_DATABASE */]);

/**
 * Runs a read on the archive, mapping what can go wrong to the catalogue: no archive configured
 * for this process, or its database or tables missing → ARCHIVE_UNAVAILABLE (503); ClickHouse not
 * answering → CLICKHOUSE_UNAVAILABLE (503, from the queries); bad arguments → REQUEST_INVALID.
 */
export async function readArchive<T>(services: ApiServices, read: (archive: ArchiveQueries) => Promise<T>): Promise<T> {
  if (!services.archive) throw new NightjarError('ARCHIVE_UNAVAILABLE', 'this API process has no archive: run it with ClickHouse configured (clickhouse.url or the local server) and the sink\'s migrations applied');
  try {
    return await read(services.archive);
  } catch (err) {
    const serverCode = isNightjarError(err) ? err.details.serverCode : undefined;
    if (isNightjarError(err, 'INTERNAL') && typeof serverCode === 'number' && MISSING_ARCHIVE_CODES.has(serverCode)) {
      throw new NightjarError('ARCHIVE_UNAVAILABLE', 'the archive database or its tables do not exist: run `nightjar services start` (or the migrations) first', { cause: err, details: { serverCode } });
    }
    throw err;
  }
}
