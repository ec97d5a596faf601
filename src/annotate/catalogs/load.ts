import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { asNightjarError, NightjarError } from '../../errors/index.js';
import { MAX_RADIUS_ARCSEC } from '../sky/crossmatch.js';
import { SkyIndexBuilder, type SkyIndex } from '../sky/sky-index.js';
import { cacheKey, readIndexCache, writeIndexCache } from './index-cache.js';
import { readCsvCatalog, readParquetCatalog } from './readers.js';
import type { CatalogConfig, LoadedCatalog } from './types.js';

export interface LoadOptions {
  /** Directory for built indexes (e.g. `<stateDir>/catalogs`); no caching when absent. */
  cacheDir?: string;
  logger?: Logger;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Checks a catalog config; throws CATALOG_INVALID naming the problem. */
export function validateCatalogConfig(config: CatalogConfig): void {
  const problem = configProblem(config);
  if (problem) throw new NightjarError('CATALOG_INVALID', `catalog ${JSON.stringify(config.name)}: ${problem}`, { details: { catalog: config.name } });
}

function configProblem(c: CatalogConfig): string | null {
  if (typeof c.name !== 'string' || !NAME.test(c.name)) return 'name must be an identifier (letters, digits, _ and -)';
  if (c.format !== 'csv' && c.format !== 'parquet') return 'format must be csv or parquet';
  if (!(c.radiusArcsec > 0 && c.radiusArcsec <= MAX_RADIUS_ARCSEC)) return `radiusArcsec must be in (0, ${MAX_RADIUS_ARCSEC}]`;
  if (![c.idColumn, c.raColumn, c.decColumn].every((s) => typeof s === 'string' && s !== '')) return 'idColumn, raColumn and decColumn are required';
  if (!Array.isArray(c.columns) || !c.columns.every((s) => typeof s === 'string' && NAME.test(s))) return 'columns must be identifiers';
  if (c.backend !== undefined && c.backend !== 'memory' && c.backend !== 'clickhouse') return 'backend must be memory or clickhouse';
  // A ClickHouse-backed catalog is read from ClickHouse; only loading it needs the file.
  if (c.backend !== 'clickhouse' && !existsSync(c.file)) return `file ${c.file} does not exist`;
  return null;
}

/** Loads a catalog's index from the cache when it is current, otherwise reads the file and caches the result. */
export async function loadCatalog(config: CatalogConfig, options: LoadOptions = {}): Promise<LoadedCatalog> {
  validateCatalogConfig(config);
  const log = options.logger?.child({ catalog: config.name });
  const key = cacheKey(config);
  const cacheFile = options.cacheDir ? join(options.cacheDir, `${config.name}.skyindex`) : null;
  const cached = cacheFile ? readIndexCache(cacheFile, key) : null;
  if (cached) {
    log?.info({ sources: cached.size }, 'catalog index loaded from cache');
    return { config, index: cached, skippedRows: 0, fromCache: true };
  }
  const started = performance.now();
  const { index, skippedRows } = await buildFromFile(config);
  if (cacheFile) writeIndexCache(cacheFile, key, index);
  log?.info({ sources: index.size, skippedRows, ms: Math.round(performance.now() - started) }, 'catalog index built');
  return { config, index, skippedRows, fromCache: false };
}

async function buildFromFile(config: CatalogConfig): Promise<{ index: SkyIndex; skippedRows: number }> {
  const builder = new SkyIndexBuilder(config.columns);
  let skippedRows = 0;
  const sink = (id: string, ra: number, dec: number, values: string[]): void => {
    if (!builder.add(ra, dec, id, values)) skippedRows += 1;
  };
  try {
    if (config.format === 'csv') await readCsvCatalog(config, sink);
    else await readParquetCatalog(config, sink);
  } catch (err) {
    if (err instanceof NightjarError) throw err;
    throw new NightjarError('CATALOG_UNREADABLE', `catalog ${config.name}: cannot read ${config.file}: ${asNightjarError(err).message}`, { cause: err });
  }
  return { index: builder.finish(), skippedRows };
}
