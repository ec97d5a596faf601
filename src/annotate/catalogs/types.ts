import type { SkyIndex } from '../sky/sky-index.js';

/** One configured catalog: where its file is and which columns to keep. */
export interface CatalogConfig {
  /** Name under `xmatch.<name>` (letters, digits, `_`, `-`; starts with a letter or `_`). */
  name: string;
  file: string;
  format: 'csv' | 'parquet';
  idColumn: string;
  /** Right ascension column, decimal degrees (J2000/ICRS). */
  raColumn: string;
  /** Declination column, decimal degrees. */
  decColumn: string;
  /** Extra columns reported for the nearest source, as `xmatch.<name>.cols.<column>`. */
  columns: string[];
  /** Match radius (arcsec). */
  radiusArcsec: number;
  /**
   * Where the index lives: `memory` (default: typed arrays in each worker, cached on disk) or
   * `clickhouse` for catalogs larger than memory (loaded once with `nightjar catalog load NAME`).
   */
  backend?: 'memory' | 'clickhouse';
}

export interface LoadedCatalog {
  config: CatalogConfig;
  index: SkyIndex;
  /** Rows skipped for an invalid position. */
  skippedRows: number;
  /** True when the index came from the disk cache. */
  fromCache: boolean;
}
