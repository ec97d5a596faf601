import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { annotateWithIndex } from '../../src/annotate/annotator.js';
import { catalogTable, ClickHouseCrossmatch, loadCatalogIntoClickHouse } from '../../src/annotate/catalogs/clickhouse.js';
import { loadCatalog } from '../../src/annotate/catalogs/load.js';
import { syntheticSources } from '../../src/annotate/catalogs/synthetic.js';
import type { CatalogConfig } from '../../src/annotate/catalogs/types.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { brightStarsCatalog } from '../../src/annotate/catalogs/bright-stars.js';
import { catalogCommand } from '../../src/cli/catalog.js';
import { startRoles } from '../../src/cli/run.js';
import { silentLogger } from '../../src/log/logger.js';
import { consumeAll, testConfig, uniqueName, withKafka } from '../helpers/index.js';
import { sampleMessages, streamTopic } from './support/alerts.js';

const SOURCES = 200_000;
const SEED = 11;

/**
 * The ClickHouse-backed crossmatch gives what the in-memory index gives, for the same catalog
 * file: a synthetic catalog plus sources at the poles and on both sides of RA 0/360, queried at
 * positions near catalog sources (offsets from 0.05″ to 40′) and at the awkward places, with radii
 * from 0.1″ to 1°.
 */
describe('ClickHouse-backed crossmatch', () => {
  const config = testConfig({ clickhouse: { database: uniqueName('nightjar_test_xmatch').replace(/-/g, '_') } });
  const dir = mkdtempSync(join(tmpdir(), 'nightjar-xmatch-'));
  const file = join(dir, 'catalog.csv');
  let client: ClickHouseClient;
  const awkward: [number, number][] = [
    [0, 90], [123.4, 89.99999], [0, -90], [300, -89.9999], [0.00001, 10], [359.99999, 10], [0, 0], [360, -5], [180, 0.00002],
  ];

  const catalog = (name: string, radiusArcsec: number): CatalogConfig => ({ name, file, format: 'csv', idColumn: 'id', raColumn: 'ra', decColumn: 'dec', columns: ['mag', 'kind'], radiusArcsec });

  beforeAll(async () => {
    // The synthetic catalog with a text column `kind`, empty but for the awkward sources appended after it.
    const lines = ['id,ra,dec,mag,kind'];
    for (const s of syntheticSources(SOURCES, SEED)) lines.push(`${s.id},${s.ra.toFixed(8)},${s.dec.toFixed(8)},${s.mag.toFixed(3)},`);
    writeFileSync(file, lines.join('\n') + '\n');
    appendFileSync(file, awkward.map(([ra, dec], i) => `P${i},${ra},${dec},${(15 + i / 10).toFixed(3)},edge`).join('\n') + '\n');
    // Two sources at exactly the same place: the first in the file must win in both implementations.
    appendFileSync(file, 'D1,45.5,-30.25,18.000,dup\nD2,45.5,-30.25,19.000,dup\n');
    client = createClickHouse(config);
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${config.clickhouse.database}` });
  }, 60_000);

  afterAll(async () => {
    await client?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await client?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Query positions: near real sources at growing offsets, and the awkward places. */
  function positions(): { ras: Float64Array; decs: Float64Array } {
    const ras: number[] = [];
    const decs: number[] = [];
    const offsets = [0.05, 0.5, 2, 30, 600, 2400].map((a) => a / 3600);
    let k = 0;
    for (const s of syntheticSources(400, SEED)) {
      const offset = offsets[k++ % offsets.length]!;
      const dec = Math.max(-90, Math.min(90, s.dec + offset));
      ras.push((s.ra + offset + 360) % 360);
      decs.push(dec);
    }
    for (const [ra, dec] of awkward) {
      ras.push(ra, (ra + 0.0001) % 360, ra);
      decs.push(dec, dec, Math.max(-90, Math.min(90, dec - 0.0002)));
    }
    ras.push(45.5, 45.5);
    decs.push(-30.25, -30.2501);
    return { ras: Float64Array.from(ras), decs: Float64Array.from(decs) };
  }

  const alertsAt = (ras: Float64Array, decs: Float64Array): Alert[] => Array.from(ras, (ra, i) => ({ ra, dec: decs[i]! }) as Alert);

  it('loads the catalog once, streaming, and reports its rows', async () => {
    const loaded = await loadCatalogIntoClickHouse(client, config.clickhouse.database, catalog('big', 2));
    expect(loaded).toEqual({ rows: SOURCES + awkward.length + 2, skippedRows: 0 });
    const [row] = await (await client.query({ query: `SELECT count() AS n, min(pix) <= max(pix) AS sorted FROM ${config.clickhouse.database}.${catalogTable('big')}`, format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(row!.n)).toBe(loaded.rows);
    // Loading again replaces the table rather than doubling it.
    await loadCatalogIntoClickHouse(client, config.clickhouse.database, catalog('big', 2));
    const [again] = await (await client.query({ query: `SELECT count() AS n FROM ${config.clickhouse.database}.${catalogTable('big')}`, format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(again!.n)).toBe(loaded.rows);
  }, 120_000);

  it.each([0.1, 2, 60, 3600])('gives the in-memory answer for every position at radius %s″', async (radius) => {
    const config0 = catalog('big', radius);
    const memory = await loadCatalog(config0);
    const ch = await ClickHouseCrossmatch.open(client, config.clickhouse.database, config0);
    const { ras, decs } = positions();
    const expected = alertsAt(ras, decs);
    annotateWithIndex(expected, ras, decs, config0, memory.index);
    const actual = alertsAt(ras, decs);
    await ch.annotate(actual);
    const got = actual.map((a) => a.xmatch!.big);
    const want = expected.map((a) => a.xmatch!.big);
    const first = got.findIndex((x, i) => JSON.stringify(x) !== JSON.stringify(want[i]));
    expect(first < 0 ? null : { at: first, ra: ras[first], dec: decs[first], got: got[first], want: want[first] }).toBeNull();
    const hits = expected.filter((a) => (a.xmatch!.big as { count: number }).count > 0).length;
    // The comparison means something: some positions match, some do not.
    expect(hits).toBeGreaterThan(radius < 1 ? 5 : 50);
    expect(hits).toBeLessThan(expected.length + 1);
    const dup = actual.at(-2)!.xmatch!.big as { id: string; count: number; cols: Record<string, unknown> };
    expect(dup).toMatchObject({ id: 'D1', cols: { mag: 18, kind: 'dup' } });
    expect(dup.count).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('refuses a catalog that is not loaded, or loaded with other columns, saying what to do', async () => {
    await expect(ClickHouseCrossmatch.open(client, config.clickhouse.database, catalog('absent', 2))).rejects.toMatchObject({ code: 'CATALOG_INVALID', message: expect.stringMatching(/nightjar catalog load absent/) });
    await expect(ClickHouseCrossmatch.open(client, config.clickhouse.database, { ...catalog('big', 2), columns: ['mag'] })).rejects.toMatchObject({ code: 'CATALOG_INVALID', message: expect.stringMatching(/load it again/) });
  });

  it('annotates real alerts in the worker from a catalog loaded with `nightjar catalog load`, as the in-memory copy does', async () => {
    // The real bright-star catalogue twice, with a 10° radius so that alerts have neighbours:
    // once held in memory, once in ClickHouse.
    const stars = brightStarsCatalog();
    const wide = { ...stars, radiusArcsec: 36_000 };
    const catalogsFile = join(dir, 'catalogs.json');
    writeFileSync(catalogsFile, JSON.stringify([{ ...wide, name: 'stars_mem' }, { ...wide, name: 'stars_ch', backend: 'clickhouse' }]));
    const kit = await withKafka(testConfig());
    const own = testConfig({
      clickhouse: { database: config.clickhouse.database },
      annotate: { catalogsFile },
      topics: { input: [await streamTopic(kit, 'xm-input')], enriched: await streamTopic(kit, 'xm-enriched'), deadLetter: await streamTopic(kit, 'xm-dlq') },
      runner: { instanceId: uniqueName('xm'), groupPrefix: uniqueName('xm') },
    });
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    try {
      expect(await catalogCommand.run(['load', 'stars_ch'], { config: own, logger: silentLogger() })).toBe(0);
      await expect(catalogCommand.run(['load', 'stars_mem'], { config: own, logger: silentLogger() })).rejects.toMatchObject({ code: 'CLI_USAGE' });
    } finally {
      process.stdout.write = write;
    }
    expect(out.join('')).toMatch(/^stars_ch: 9\d{3} sources loaded/);

    const running = await startRoles(['worker'], { config: own, logger: silentLogger() }, { signals: false });
    try {
      const messages = await sampleMessages();
      await kit.producer.send({ topic: own.topics.input[0]!, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
      const enriched = (await consumeAll(kit.kafka, own.topics.enriched, { count: messages.length, timeoutMs: 60_000 })).map((m) => JSON.parse(m.value!));
      expect(enriched.length).toBeGreaterThanOrEqual(messages.length);
      for (const alert of enriched) expect(alert.xmatch.stars_ch, alert.alertId).toEqual(alert.xmatch.stars_mem);
      expect(enriched.filter((a) => a.xmatch.stars_ch.count > 0).length).toBeGreaterThan(0);
    } finally {
      await running.stop();
    }
  }, 120_000);
});
