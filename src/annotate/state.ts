import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Alert } from '../alert/types.js';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { createAnnotator, type Annotate } from './annotator.js';
import { brightStarsCatalog } from './catalogs/bright-stars.js';
import { loadCatalog, validateCatalogConfig } from './catalogs/load.js';
import type { CatalogConfig, LoadedCatalog } from './catalogs/types.js';
import { ModelFollower } from './models.js';
import { ClickHouseCrossmatch } from './catalogs/clickhouse.js';
import { registerCatalogColumnFields } from './fields.js';
import { createClickHouse } from '../clickhouse/client.js';
import type { ClickHouseClient } from '@clickhouse/client';

/** Extra alert annotators that follow their own platform state (e.g. watchlists and watchmaps). */
export interface LiveAnnotator {
  annotate(alerts: Alert[]): void;
}

/**
 * The annotate step of a worker: the configured catalogs (loaded once, from the disk cache when
 * possible), the newest anomaly model from the models topic, and live annotators for user state.
 * The annotator is rebuilt when a new model arrives; alerts in flight keep the one they started with.
 */
export class AnnotateState {
  private annotator: Annotate;
  private readonly models: ModelFollower;

  private constructor(
    private readonly config: Config,
    private readonly catalogs: LoadedCatalog[],
    kafka: Kafka,
    logger: Logger,
    private readonly live: LiveAnnotator[],
    private readonly remote: { catalogs: ClickHouseCrossmatch[]; client: ClickHouseClient } | null,
  ) {
    this.annotator = createAnnotator({ catalogs, features: config.annotate.features });
    this.models = new ModelFollower(kafka, config, logger, (current) => {
      this.annotator = createAnnotator({ catalogs: this.catalogs, features: this.config.annotate.features, model: current.model });
    });
  }

  static async create(config: Config, kafka: Kafka, logger: Logger, live: LiveAnnotator[] = []): Promise<AnnotateState> {
    const catalogs = await loadConfiguredCatalogs(config, logger);
    const remote = await openClickHouseCatalogs(config, logger);
    const state = new AnnotateState(config, catalogs, kafka, logger, live, remote);
    await state.models.start();
    return state;
  }

  /**
   * Crossmatches (ClickHouse-backed catalogs first: one query per catalog and batch), features and
   * the anomaly score, then the live annotators. Synchronous unless a catalog lives in ClickHouse.
   */
  annotate(alerts: Alert[]): void | Promise<void> {
    if (!this.remote) return this.annotateLocal(alerts);
    const remote = this.remote.catalogs;
    return Promise.all(remote.map((catalog) => catalog.annotate(alerts))).then(() => this.annotateLocal(alerts));
  }

  private annotateLocal(alerts: Alert[]): void {
    this.annotator(alerts);
    for (const annotator of this.live) annotator.annotate(alerts);
  }

  modelVersion(): number | null {
    return this.models.current()?.version ?? null;
  }

  async stop(): Promise<void> {
    await this.models.stop();
    await this.remote?.client.close();
  }
}

/** Every configured catalog (bright stars, then annotate.catalogsFile), whatever its backend. */
export function configuredCatalogs(config: Config): CatalogConfig[] {
  const configs: CatalogConfig[] = [];
  if (config.annotate.brightStars) configs.push(brightStarsCatalog());
  if (config.annotate.catalogsFile) configs.push(...readCatalogsFile(config.annotate.catalogsFile));
  return configs;
}

/** Opens the ClickHouse-backed catalogs (checking each is loaded) and registers their column fields. */
async function openClickHouseCatalogs(config: Config, logger: Logger): Promise<{ catalogs: ClickHouseCrossmatch[]; client: ClickHouseClient } | null> {
  const configs = configuredCatalogs(config).filter((c) => c.backend === 'clickhouse');
  if (configs.length === 0) return null;
  const client = createClickHouse(config);
  try {
    const catalogs = await Promise.all(configs.map((c) => ClickHouseCrossmatch.open(client, config.clickhouse.database, c)));
    registerCatalogColumnFields(catalogs.map((c) => c.registration()));
    for (const c of catalogs) logger.info({ catalog: c.config.name, sources: c.size }, 'catalog crossmatched in ClickHouse');
    return { catalogs, client };
  } catch (err) {
    await client.close();
    throw err;
  }
}

/** The in-memory catalogs, built or read from the disk cache (ClickHouse-backed ones are left out). */
export async function loadConfiguredCatalogs(config: Config, logger: Logger): Promise<LoadedCatalog[]> {
  const configs = configuredCatalogs(config).filter((c) => c.backend !== 'clickhouse');
  const cacheDir = join(config.stateDir, 'catalogs');
  return Promise.all(configs.map((c) => loadCatalog(c, { cacheDir, logger })));
}

function readCatalogsFile(file: string): CatalogConfig[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new NightjarError('CONFIG_INVALID', `invalid setting annotate.catalogsFile: cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(parsed)) throw new NightjarError('CONFIG_INVALID', `invalid setting annotate.catalogsFile: ${file} must hold a JSON array of catalog configurations`);
  return parsed.map((entry) => {
    validateCatalogConfig(entry as CatalogConfig);
    return entry as CatalogConfig;
  });
}
