import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../config/index.js';
import { tableName } from '../identifiers.js';

export const description = 'job_results: the output of asynchronous jobs, in parts, until they expire';

/**
 * A job's results as ordered parts of text (CSV or JSON lines), one set per attempt: a job the
 * jobs role restarts writes a new attempt and readers take only the attempt that succeeded, so a
 * half-written earlier run never mixes in. Deleted with the job (ALTER TABLE ... DELETE).
 */
export function statements(database: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS ${tableName(database, 'job_results')} (
  jobId String,
  attempt UInt32,
  part UInt32,
  rows UInt32,
  data String,
  created_at DateTime
) ENGINE = MergeTree()
ORDER BY (jobId, attempt, part)`,
  ];
}

export async function up(client: ClickHouseClient, config: Config): Promise<void> {
  for (const query of statements(config.clickhouse.database)) await client.command({ query });
}
