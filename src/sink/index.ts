import type { ClickHouseClient } from '@clickhouse/client';
import type { Registry } from 'prom-client';
import type { FieldDef } from '../alert/catalogue.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { catalogueColumns } from './columns.js';
import { USER_TOPIC_PATTERN } from './convert.js';
import { addMissingAlertColumns } from './schema.js';
import { SinkStage } from './stage.js';
import { clickhouseWriter } from './writer.js';

export { SinkStage } from './stage.js';
export { createArchiveTables, addMissingAlertColumns } from './schema.js';

/** The consumer group of the sink role; its committed offsets are the archive's progress. */
export const SINK_GROUP = 'nightjar-sink';

/** What the sink consumes, with read_committed: enriched alerts, dead letters and every per-user match topic. */
export function sinkSubscription(config: Config): { topics: string[]; patterns: RegExp[]; group: string; readCommitted: true } {
  return { topics: [config.topics.enriched, config.topics.deadLetter], patterns: [USER_TOPIC_PATTERN], group: SINK_GROUP, readCommitted: true };
}

export interface SinkDeps {
  config: Config;
  client: ClickHouseClient;
  /** The field catalogue (allFields()), whose core scalars are the alerts table's columns. */
  fields: readonly FieldDef[];
  logger: Logger;
  registry: Registry;
}

/**
 * Readies the archive for the sink after the migrations ran: adds `alerts` columns for catalogue
 * fields registered since, then builds the stage for the runner.
 */
export async function createSinkStage(deps: SinkDeps): Promise<SinkStage> {
  const logger = deps.logger.child({ component: 'sink' });
  await addMissingAlertColumns(deps.client, deps.config.clickhouse.database, deps.fields, logger);
  return new SinkStage({
    config: deps.config,
    writer: clickhouseWriter(deps.client, deps.config.clickhouse.database),
    columns: catalogueColumns(deps.fields),
    logger,
    registry: deps.registry,
  });
}
