import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../../src/clickhouse/migrate.js';
import { statements } from '../../../src/clickhouse/migrations/001_dead_letters.js';
import { isNightjarError } from '../../../src/errors/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function migrationDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nightjar-migrations-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const valid = (text: string) => `export const description = '${text}'; export async function up() {}`;

describe('loadMigrations', () => {
  it('orders the modules by number and ignores other files', async () => {
    const dir = migrationDir({ '010_b.js': valid('b'), '002_a.js': valid('a'), 'README.md': '', '003_c.js.map': '{}', '004_d.d.ts': '' });
    const migrations = await loadMigrations(dir);
    expect(migrations.map((m) => [m.version, m.name, m.description])).toEqual([
      [2, 'a', 'a'],
      [10, 'b', 'b'],
    ]);
  });

  it('refuses two migrations with one number', async () => {
    const dir = migrationDir({ '002_a.js': valid('a'), '002_b.js': valid('b') });
    const error = await loadMigrations(dir).catch((err: unknown) => err);
    expect(isNightjarError(error, 'MIGRATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('numbered 2');
  });

  it('refuses a module without up() and description, naming the file', async () => {
    const dir = migrationDir({ '001_bad.js': 'export const up = 1;' });
    const error = await loadMigrations(dir).catch((err: unknown) => err);
    expect(isNightjarError(error, 'MIGRATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('001_bad.js');
  });

  it('starts the shipped migrations at 001', async () => {
    const migrations = await loadMigrations();
    expect(migrations[0]!.version).toBe(1);
    expect(new Set(migrations.map((m) => m.version)).size).toBe(migrations.length);
  });
});

describe('migration 001', () => {
  it('creates the database and a deduplicating dead_letters table keyed by source position', () => {
    const [database, table] = statements('nj');
    expect(database).toBe('CREATE DATABASE IF NOT EXISTS `nj`');
    expect(table).toContain('CREATE TABLE IF NOT EXISTS `nj`.`dead_letters`');
    expect(table).toContain('ENGINE = ReplacingMergeTree()');
    expect(table).toContain('ORDER BY (topic, partition, offset)');
  });
});
