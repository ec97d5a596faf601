import type { ClickHouseClient } from '@clickhouse/client';
import type { Alert } from '../../alert/types.js';
import { asNightjarError, NightjarError } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';
import { integerLiteral, quoteIdentifier, stringLiteral } from '../../sink/sql.js';
import { classifyClickHouseError } from '../../sink/writer.js';
import { annotateWithIndex } from '../annotator.js';
import { StringColumnBuilder, type Column } from '../sky/columns.js';
import { prepareCone } from '../sky/crossmatch.js';
import { ang2pixNest, discPixels, MAX_ORDER } from '../sky/healpix.js';
import type { SkyIndex } from '../sky/sky-index.js';
import { isValidPosition, unitVector } from '../sky/sphere.js';
import { validateCatalogConfig } from './load.js';
import { readCsvCatalog, readParquetCatalog } from './readers.js';
import type { CatalogConfig, LoadedCatalog } from './types.js';

/**
 * Catalogs larger than memory, crossmatched in ClickHouse (docs/annotations.md). A catalog is
 * loaded once into its own table, sorted by HEALPix NESTED pixel at the in-memory index's order;
 * each source's unit vector is computed from its exact position as the in-memory index computes it. A batch of alerts
 * costs one query: the pixel ranges every alert's cone touches, merged. The rows that come back
 * form a small sky index, and the same crossmatch code as for in-memory catalogs runs on it, so
 * both give the same nearest source, separation, count and columns.
 */
export const CATALOG_META_TABLE = 'catalog_meta';

/** Rows per insert while loading. */
const LOAD_BATCH = 50_000;

export function catalogTable(name: string): string {
  return `catalog_${name.replace(/-/g, '_')}`;
}

interface CatalogMeta {
  name: string;
  columns: string[];
  /** Per configured column: every non-empty value is a finite number (as the in-memory loader narrows it). */
  numeric: number[];
  rows: number;
}

async function command(client: ClickHouseClient, query: string, what: string): Promise<void> {
  try {
    await client.command({ query });
  } catch (err) {
    throw classifyClickHouseError(err, what, 'INTERNAL');
  }
}

/**
 * Loads (or replaces) a catalog in ClickHouse from its CSV or Parquet file, streaming: memory stays
 * at one batch whatever the file's size. The new table is filled under a temporary name and swapped
 * in at the end, so workers never see a half-loaded catalog.
 */
export async function loadCatalogIntoClickHouse(client: ClickHouseClient, database: string, config: CatalogConfig, logger?: Logger): Promise<{ rows: number; skippedRows: number }> {
  validateCatalogConfig({ ...config, backend: 'memory' }); // the file must exist to be loaded
  const table = catalogTable(config.name);
  const loading = `${table}__loading`;
  const db = quoteIdentifier(database);
  await command(client, `CREATE TABLE IF NOT EXISTS ${db}.${quoteIdentifier(CATALOG_META_TABLE)} (name String, columns Array(String), numeric Array(UInt8), rows UInt64, loaded_at DateTime) ENGINE = ReplacingMergeTree(loaded_at) ORDER BY name`, CATALOG_META_TABLE);
  await command(client, `DROP TABLE IF EXISTS ${db}.${quoteIdentifier(loading)}`, loading);
  await command(client, `CREATE TABLE ${db}.${quoteIdentifier(loading)} (pix UInt32, seq UInt64, id String, ra String, dec String, vals Array(String)) ENGINE = MergeTree() ORDER BY (pix, seq)`, loading);

  const numeric = config.columns.map(() => true);
  let batch: Record<string, unknown>[] = [];
  let rows = 0;
  let skippedRows = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const values = batch;
    batch = [];
    try {
      await client.insert({ table: `${db}.${quoteIdentifier(loading)}`, values, format: 'JSONEachRow' });
    } catch (err) {
      throw classifyClickHouseError(err, loading, 'INTERNAL');
    }
  };
  const sink = (id: string, ra: number, dec: number, values: string[]): Promise<void> | undefined => {
    if (!isValidPosition(ra, dec)) {
      skippedRows += 1;
      return undefined;
    }
    for (let c = 0; c < numeric.length; c++) {
      const text = (values[c] ?? '').trim();
      if (numeric[c] && text !== '' && !Number.isFinite(Number(text))) numeric[c] = false;
    }
    // seq keeps the file's order within a pixel, as the in-memory index does (it decides exact ties).
    // Positions travel as the shortest text that reads back as the same double: ClickHouse 18.16
    // parses Float64 text only approximately, and the crossmatch must see the file's exact values.
    batch.push({ pix: ang2pixNest(MAX_ORDER, ra, dec), seq: rows, id, ra: String(ra), dec: String(dec), vals: values.slice(0, numeric.length) });
    rows += 1;
    return batch.length >= LOAD_BATCH ? flush() : undefined;
  };
  const started = performance.now();
  try {
    if (config.format === 'csv') await readCsvCatalog(config, sink);
    else await readParquetCatalog(config, sink);
    await flush();
  } catch (err) {
    await command(client, `DROP TABLE IF EXISTS ${db}.${quoteIdentifier(loading)}`, loading).catch(() => undefined);
    if (err instanceof NightjarError) throw err;
    throw new NightjarError('CATALOG_UNREADABLE', `catalog ${config.name}: cannot read ${config.file}: ${asNightjarError(err).message}`, { cause: err });
  }
  await command(client, `DROP TABLE IF EXISTS ${db}.${quoteIdentifier(table)}`, table);
  await command(client, `RENAME TABLE ${db}.${quoteIdentifier(loading)} TO ${db}.${quoteIdentifier(table)}`, table);
  const meta = { name: config.name, columns: config.columns, numeric: numeric.map(Number), rows, loaded_at: Math.floor(Date.now() / 1000) };
  try {
    await client.insert({ table: `${db}.${quoteIdentifier(CATALOG_META_TABLE)}`, values: [meta], format: 'JSONEachRow' });
  } catch (err) {
    throw classifyClickHouseError(err, CATALOG_META_TABLE, 'INTERNAL');
  }
  logger?.info({ catalog: config.name, rows, skippedRows, ms: Math.round(performance.now() - started) }, 'catalog loaded into ClickHouse');
  return { rows, skippedRows };
}

/** Crossmatches alerts against a catalog loaded with loadCatalogIntoClickHouse. */
export class ClickHouseCrossmatch {
  private constructor(
    private readonly client: ClickHouseClient,
    private readonly database: string,
    readonly config: CatalogConfig,
    private readonly meta: CatalogMeta,
  ) {}

  /** Checks the catalog is loaded with the configured columns; CATALOG_INVALID says how to load it otherwise. */
  static async open(client: ClickHouseClient, database: string, config: CatalogConfig): Promise<ClickHouseCrossmatch> {
    let rows: CatalogMeta[];
    try {
      const result = await client.query({ query: `SELECT name, columns, numeric, rows FROM ${quoteIdentifier(database)}.${quoteIdentifier(CATALOG_META_TABLE)} FINAL WHERE name = ${stringLiteral(config.name)}`, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 0 } });
      rows = await result.json<CatalogMeta>();
    } catch (err) {
      const error = classifyClickHouseError(err, CATALOG_META_TABLE, 'INTERNAL');
      if (error.code === 'CLICKHOUSE_UNAVAILABLE') throw error;
      rows = [];
    }
    const meta = rows[0];
    if (!meta) throw new NightjarError('CATALOG_INVALID', `catalog ${config.name} is configured with backend "clickhouse" but is not loaded; run: nightjar catalog load ${config.name}`, { details: { catalog: config.name } });
    if (JSON.stringify(meta.columns) !== JSON.stringify(config.columns)) {
      throw new NightjarError('CATALOG_INVALID', `catalog ${config.name} was loaded with columns [${meta.columns.join(', ')}] but is configured with [${config.columns.join(', ')}]; load it again`, { details: { catalog: config.name } });
    }
    return new ClickHouseCrossmatch(client, database, config, meta);
  }

  /** The catalog as the field catalogue registers it (column names and kinds; no sources). */
  registration(): LoadedCatalog {
    return { config: this.config, index: emptyIndex(this.config.columns, this.meta.numeric), skippedRows: 0, fromCache: false };
  }

  get size(): number {
    return Number(this.meta.rows);
  }

  /** Fills `xmatch.<name>` of each alert: one ClickHouse query for the batch. */
  async annotate(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    const ras = Float64Array.from(alerts, (a) => a.ra);
    const decs = Float64Array.from(alerts, (a) => a.dec);
    const index = await this.neighbourhood(ras, decs);
    annotateWithIndex(alerts, ras, decs, this.config, index);
  }

  /** The catalog's sources in every pixel the alerts' cones touch, as a sky index sorted by pixel. */
  async neighbourhood(ras: Float64Array, decs: Float64Array): Promise<SkyIndex> {
    const cover = coverPixels(ras, decs, this.config.radiusArcsec);
    if (cover.pixels.length === 0) return emptyIndex(this.config.columns, this.meta.numeric);
    // Membership as an IN set (hashed; thousands of ranges as an OR take ClickHouse 18.16 tens of
    // seconds). A set of order-13 pixels also lets the primary key skip every granule outside
    // it; for wide cones, whose order-13 pixels would be too many, the set is of coarse pixels and
    // a few merged ranges do the pruning.
    const fine = cover.pixels.length * cover.scale <= FINE_SET_LIMIT;
    const condition = fine
      ? `pix IN (${finePixels(cover.pixels, cover.scale).join(', ')})`
      : `(${mergedSpans(cover.pixels, cover.scale, 32).map(([lo, hi]) => `(pix >= ${integerLiteral(lo)} AND pix < ${integerLiteral(hi)})`).join(' OR ')}) AND intDiv(pix, ${integerLiteral(cover.scale)}) IN (${cover.pixels.map(integerLiteral).join(', ')})`;
    const query = `SELECT pix, id, ra, dec, vals FROM ${quoteIdentifier(this.database)}.${quoteIdentifier(catalogTable(this.config.name))} PREWHERE ${condition} ORDER BY pix, seq`;
    let rows: CatalogRow[];
    try {
      // A batch's pixel set can exceed the default query size (256 KiB) and AST size (50,000).
      const result = await this.client.query({ query, format: 'JSONEachRow', clickhouse_settings: { max_query_size: String(64 * 1024 * 1024), max_ast_elements: String(4 * FINE_SET_LIMIT), max_expanded_ast_elements: String(4 * FINE_SET_LIMIT) } });
      rows = await result.json();
    } catch (err) {
      throw classifyClickHouseError(err, catalogTable(this.config.name), 'INTERNAL');
    }
    return indexOf(rows, this.config.columns, this.meta.numeric);
  }
}

/**
 * The pixels at the cones' query order that any valid position's cone touches (sorted, unique),
 * and how many MAX_ORDER pixels one of them spans: source pixel p is covered when
 * floor(p / scale) is one of them — exactly the pixels the in-memory search scans.
 */
export function coverPixels(ras: Float64Array, decs: Float64Array, radiusArcsec: number): { pixels: number[]; scale: number } {
  const cone = prepareCone({ order: MAX_ORDER } as SkyIndex, radiusArcsec);
  const scale = 4 ** (MAX_ORDER - cone.queryOrder);
  const starts: number[] = [];
  for (let j = 0; j < ras.length; j++) {
    const ra = ras[j]!;
    const dec = decs[j]!;
    if (!(ra >= 0 && ra <= 360 && dec >= -90 && dec <= 90)) continue;
    const { x, y, z } = unitVector(ra, dec);
    for (const pixel of discPixels(cone.queryOrder, x, y, z, cone.radiusRad)) starts.push(pixel);
  }
  return { pixels: [...new Set(starts)].sort((a, b) => a - b), scale };
}

/** Largest set of order-13 pixels sent in one query (about 2.5 MB of SQL). */
const FINE_SET_LIMIT = 262_144;

function finePixels(pixels: readonly number[], scale: number): number[] {
  const out: number[] = [];
  for (const pixel of pixels) for (let p = pixel * scale; p < (pixel + 1) * scale; p++) out.push(p);
  return out;
}

/** At most `limit` [lo, hi) ranges of MAX_ORDER pixels enclosing the covered pixels, closing the smallest gaps first. */
export function mergedSpans(pixels: readonly number[], scale: number, limit: number): [number, number][] {
  const spans: [number, number][] = [];
  for (const pixel of pixels) {
    const last = spans.at(-1);
    if (last && last[1] === pixel * scale) last[1] += scale;
    else spans.push([pixel * scale, (pixel + 1) * scale]);
  }
  if (spans.length <= limit) return spans;
  const gaps = spans.slice(1).map((span, i) => span[0] - spans[i]![1]).sort((a, b) => a - b);
  const closeBelow = gaps[spans.length - limit - 1]!;
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] - last[1] <= closeBelow) last[1] = span[1];
    else merged.push([span[0], span[1]]);
  }
  return merged;
}

function emptyIndex(columns: readonly string[], numeric: readonly number[]): SkyIndex {
  return indexOf([], columns, numeric);
}

interface CatalogRow {
  pix: number;
  id: string;
  ra: string;
  dec: string;
  vals: string[];
}

function indexOf(rows: readonly CatalogRow[], columns: readonly string[], numeric: readonly number[]): SkyIndex {
  const n = rows.length;
  const index: SkyIndex = { order: MAX_ORDER, size: n, pixels: new Uint32Array(n), x: new Float64Array(n), y: new Float64Array(n), z: new Float64Array(n), ids: { kind: 'string', bytes: new Uint8Array(0), offsets: new Uint32Array(1) }, columns: {} };
  const ids = new StringColumnBuilder();
  const texts = columns.map(() => new StringColumnBuilder());
  const numbers = columns.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    index.pixels[i] = Number(row.pix);
    // The unit vector exactly as SkyIndexBuilder computes it.
    const ra = Number(row.ra);
    const dec = Number(row.dec);
    const { x, y, z } = unitVector(ra, dec);
    index.x[i] = x;
    index.y[i] = y;
    index.z[i] = z;
    ids.push(row.id);
    for (let c = 0; c < columns.length; c++) {
      const text = row.vals[c] ?? '';
      if (numeric[c]) numbers[c]![i] = text.trim() === '' ? NaN : Number(text.trim());
      else texts[c]!.push(text);
    }
  }
  index.ids = ids.finish();
  columns.forEach((name, c) => {
    const column: Column = numeric[c] ? { kind: 'number', values: numbers[c]! } : texts[c]!.finish();
    index.columns[name] = column;
  });
  return index;
}
