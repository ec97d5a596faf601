import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { aptInstall } from '../../src/services/install.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import { clickhouseUrl, envName, kafkaBrokers, loadConfig } from '../../src/config/index.js';
import { ensureTopics } from '../../src/kafka/admin.js';
import { createLogger } from '../../src/log/logger.js';
import { startServices, stopServices } from '../../src/services/index.js';
import { startContainerServices } from './containers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
    clickhouseUrl: string;
  }
}

/** Set to 1 to stop, after the run, the local services this setup had to start (CI stops them with the CLI instead). */
const STOP_FLAG = 'NIGHTJAR_TEST_STOP_SERVICES';

/**
 * Integration tests run against real Kafka and ClickHouse: the ones NIGHTJAR_KAFKA_BROKERS /
 * NIGHTJAR_CLICKHOUSE_URL name, otherwise the local ones of `nightjar services start`, started here
 * through the same launcher when they are not running (in the default state directory, so the
 * README's commands share one set). Topics and migrations are ensured the same way. Tests find
 * the endpoints in the environment (loadConfig) and through inject().
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // On a Docker host, NIGHTJAR_TEST_SERVICES=containers runs Kafka and ClickHouse in containers instead.
  const containers = process.env.NIGHTJAR_TEST_SERVICES === 'containers' ? await startContainerServices() : undefined;
  if (containers) {
    process.env[envName('kafka.brokers')] = containers.brokers;
    process.env[envName('clickhouse.url')] = containers.clickhouseUrl;
  }
  const config = loadConfig();
  const logger = createLogger(process.env[envName('log.level')] ? config.log.level : 'warn');
  // The dashboard's browser tests drive Debian's chromium; install it like the launcher installs
  // ClickHouse (apt-get, as root). Without it only those tests fail, saying why.
  if (!existsSync('/usr/bin/chromium')) await aptInstall(['chromium'], logger).catch((err: unknown) => logger.warn({ err }, 'chromium could not be installed; the dashboard tests will fail'));
  const started = await startServices(config, logger);
  await ensureTopics(config, logger);
  const clickhouse = createClickHouse(config);
  try {
    await runMigrations(clickhouse, config, logger);
  } finally {
    await clickhouse.close();
  }
  const brokers = kafkaBrokers(config).join(',');
  const url = clickhouseUrl(config);
  // Test workers start after this and inherit the environment, so loadConfig() in a test finds these.
  process.env[envName('kafka.brokers')] = brokers;
  process.env[envName('clickhouse.url')] = url;
  project.provide('kafkaBrokers', brokers);
  project.provide('clickhouseUrl', url);

  return async () => {
    await containers?.stop();
    // Only what this run started; services found running belong to whoever started them.
    const startedHere = started.filter((s) => s.started).map((s) => s.name);
    if (process.env[STOP_FLAG] === '1' && startedHere.length > 0) await stopServices(config, logger, startedHere);
  };
}
