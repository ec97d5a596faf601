import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ClickHouseClient } from '@clickhouse/client';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { identifier, tableName } from './identifiers.js';

/**
 * Numbered migrations: every module `NNN_name.ts` under migrations/ exports `description` and
 * `up(client, config)`, and runs once per database, in number order. Applied numbers are recorded
 * in `<database>.schema_migrations`. Each migration is itself idempotent (IF NOT EXISTS), so two
 * processes migrating at once, or a crash between a migration and its record, do no harm.
 */
export interface Migration {
  version: number;
  name: string;
  description: string;
  up(client: ClickHouseClient, config: Config): Promise<void>;
}

export interface MigrationResult {
  applied: number[];
  /** Versions found already recorded. */
  skipped: number[];
}

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));
/** `010_archive_tables.ts` in src/, `.js` once compiled; declaration and map files are not modules. */
const MIGRATION_FILE = /^(\d+)_([\w-]+)\.(?:ts|js)$/;

/** The migrations in dir, ordered by number; two files with one number are refused. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = readdirSync(dir).filter((file) => MIGRATION_FILE.test(file) && !file.endsWith('.d.ts'));
  const migrations: Migration[] = [];
  for (const file of files) {
    const [, number, name] = MIGRATION_FILE.exec(file)!;
    const module = await importMigration(join(dir, file));
    if (typeof module.up !== 'function' || typeof module.description !== 'string') {
      throw new NightjarError('MIGRATION_FAILED', `migration ${file} must export description (string) and up(client, config)`, { details: { file } });
    }
    migrations.push({ version: Number(number), name: name!, description: module.description, up: module.up });
  }
  migrations.sort((a, b) => a.version - b.version);
  const clash = migrations.find((m, i) => i > 0 && migrations[i - 1]!.version === m.version);
  if (clash) throw new NightjarError('MIGRATION_FAILED', `two migrations are numbered ${clash.version} in ${dir}`, { details: { version: clash.version } });
  return migrations;
}

async function importMigration(path: string): Promise<Partial<Migration>> {
  try {
    return (await import(pathToFileURL(path).href)) as Partial<Migration>;
  } catch (err) {
    throw new NightjarError('MIGRATION_FAILED', `cannot load migration ${path}: ${(err as Error).message}`, { cause: err, details: { file: path } });
  }
}

/** Applies, in order, every migration not yet recorded in the configured database. */
export async function runMigrations(client: ClickHouseClient, config: Config, logger: Logger, migrations?: Migration[]): Promise<MigrationResult> {
  const log = logger.child({ component: 'migrations' });
  const database = config.clickhouse.database;
  const all = migrations ?? (await loadMigrations());
  await prepareLedger(client, database);
  const done = new Set(await appliedVersions(client, database));
  const result: MigrationResult = { applied: [], skipped: [] };
  for (const migration of all) {
    if (done.has(migration.version)) {
      result.skipped.push(migration.version);
      continue;
    }
    await apply(client, config, migration);
    await record(client, database, migration);
    log.info({ version: migration.version, migration: migration.name }, 'applied migration');
    result.applied.push(migration.version);
  }
  return result;
}

/** The versions recorded in `<database>.schema_migrations`, ascending. */
export async function appliedVersions(client: ClickHouseClient, database: string): Promise<number[]> {
  const rows = await client.query({ query: `SELECT version FROM ${tableName(database, 'schema_migrations')} FINAL ORDER BY version`, format: 'JSONEachRow' });
  return (await rows.json<{ version: number }>()).map((row) => Number(row.version));
}

/** The ledger must exist before migration 001 can be recorded, so it is created here, not by a migration. */
async function prepareLedger(client: ClickHouseClient, database: string): Promise<void> {
  try {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${identifier(database)}` });
    await client.command({
      query: `CREATE TABLE IF NOT EXISTS ${tableName(database, 'schema_migrations')} (version UInt32, name String, description String, applied_at DateTime) ENGINE = ReplacingMergeTree() ORDER BY version`,
    });
  } catch (err) {
    throw new NightjarError('CLICKHOUSE_UNAVAILABLE', `cannot prepare the migrations table in database ${database}: ${(err as Error).message}`, { cause: err });
  }
}

async function apply(client: ClickHouseClient, config: Config, migration: Migration): Promise<void> {
  try {
    await migration.up(client, config);
  } catch (err) {
    throw new NightjarError('MIGRATION_FAILED', `migration ${migration.version} (${migration.name}) failed: ${(err as Error).message}`, {
      cause: err,
      details: { version: migration.version, migration: migration.name },
    });
  }
}

async function record(client: ClickHouseClient, database: string, migration: Migration): Promise<void> {
  await client.insert({
    table: tableName(database, 'schema_migrations'),
    format: 'JSONEachRow',
    // Unix seconds: both old and new servers read them into DateTime regardless of time zone.
    values: [{ version: migration.version, name: migration.name, description: migration.description, applied_at: Math.floor(Date.now() / 1000) }],
  });
}
