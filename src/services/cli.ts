import { relative } from 'node:path';
import { createClickHouse } from '../clickhouse/client.js';
import { runMigrations } from '../clickhouse/migrate.js';
import type { Config } from '../config/index.js';
import { ensureTopics } from '../kafka/admin.js';
import type { Logger } from '../log/logger.js';
import { servicesStatus, startServices, stopServices, type ServiceStatus } from './index.js';

export const servicesUsage = 'services start|stop|status';
export const servicesSummary = 'start (installing what is missing), stop or show the local Kafka and ClickHouse; start also creates the topics and runs the ClickHouse migrations';

/**
 * `nightjar services start|stop|status`. Output for people on stdout; exit code 0 when the
 * command did what it says (status: every service healthy), 1 otherwise, 2 for a usage error.
 */
export async function servicesCommand(argv: string[], config: Config, logger: Logger, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [action, ...extra] = argv;
  if (extra.length > 0 || (action !== 'start' && action !== 'stop' && action !== 'status')) {
    out.write(`usage: nightjar ${servicesUsage}\n\n${servicesSummary}\n`);
    return 2;
  }
  if (action === 'start') return start(config, logger, out);
  if (action === 'stop') return stop(config, logger, out);
  return status(config, out);
}

async function start(config: Config, logger: Logger, out: NodeJS.WritableStream): Promise<number> {
  const began = Date.now();
  const results = await startServices(config, logger);
  const topics = await ensureTopics(config, logger);
  const clickhouse = createClickHouse(config);
  try {
    const migrations = await runMigrations(clickhouse, config, logger);
    for (const r of results) out.write(`${r.name}: ${r.started ? `started (pid ${r.pid})` : r.pid === null ? 'external, reachable' : `already running (pid ${r.pid})`}\n`);
    out.write(`topics: ${topics.created.length} created, ${topics.existing.length} already present\n`);
    out.write(`migrations: ${migrations.applied.length > 0 ? `applied ${migrations.applied.join(', ')}` : 'up to date'}\n`);
  } finally {
    await clickhouse.close();
  }
  out.write(`ready in ${((Date.now() - began) / 1000).toFixed(1)} s\n\n`);
  return status(config, out);
}

async function stop(config: Config, logger: Logger, out: NodeJS.WritableStream): Promise<number> {
  for (const { name, outcome } of await stopServices(config, logger)) {
    out.write(`${name}: ${outcome === 'external' ? 'external, left running' : outcome}\n`);
  }
  return 0;
}

async function status(config: Config, out: NodeJS.WritableStream): Promise<number> {
  const statuses = await servicesStatus(config);
  out.write(formatStatus(statuses));
  return statuses.every((s) => s.healthy) ? 0 : 1;
}

/** One aligned line per service: name, state, health, pid, endpoint, log. */
export function formatStatus(statuses: readonly ServiceStatus[]): string {
  const rows = statuses.map((s) => [
    s.name,
    s.mode === 'external' ? 'external' : s.running ? 'running' : 'stopped',
    s.healthy ? 'healthy' : 'not answering',
    s.pid === null ? '-' : `pid ${s.pid}`,
    s.endpoint,
    s.logFile === null ? '' : `log ${relative(process.cwd(), s.logFile) || s.logFile}`,
  ]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => row[i]!.length))) ?? [];
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n').join('');
}
