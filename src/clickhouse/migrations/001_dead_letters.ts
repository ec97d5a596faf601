import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../../config/index.js';
import { identifier, tableName } from '../identifiers.js';

export const description = 'the database and dead_letters (messages that could not be processed or archived)';

/**
 * One row per dead-lettered message, keyed by where it came from: a replay or a sink restart
 * writes the same (topic, partition, offset) again and the merge keeps one. The payload is the
 * original bytes in base64, so any message survives the String column unchanged.
 */
export function statements(database: string): string[] {
  return [
    `CREATE DATABASE IF NOT EXISTS ${identifier(database)}`,
    `CREATE TABLE IF NOT EXISTS ${tableName(database, 'dead_letters')} (
  received_at DateTime,
  topic String,
  partition UInt32,
  offset UInt64,
  code String,
  reason String,
  size UInt32,
  payload String
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(received_at)
ORDER BY (topic, partition, offset)`,
  ];
}

export async function up(client: ClickHouseClient, config: Config): Promise<void> {
  for (const query of statements(config.clickhouse.database)) await client.command({ query });
}
