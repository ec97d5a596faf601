import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brightStarsCatalog } from '../../../src/annotate/catalogs/bright-stars.js';
import { CsvParser } from '../../../src/annotate/catalogs/csv.js';
import { loadCatalog } from '../../../src/annotate/catalogs/load.js';
import { syntheticIndex, syntheticSources, writeSyntheticCsv } from '../../../src/annotate/catalogs/synthetic.js';
import type { CatalogConfig } from '../../../src/annotate/catalogs/types.js';
import { columnValue, stringAt } from '../../../src/annotate/sky/columns.js';
import { coneSearch, crossmatch, prepareCone } from '../../../src/annotate/sky/crossmatch.js';
import type { SkyIndex } from '../../../src/annotate/sky/sky-index.js';

const work = mkdtempSync(join(tmpdir(), 'nightjar-catalogs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const reference = (name: string): string => new URL(`../../reference/xmatch/${name}`, import.meta.url).pathname;

function smallCatalog(format: 'csv' | 'parquet', file = reference(`small-catalog.${format}`)): CatalogConfig {
  return { name: 'small', file, format, idColumn: 'source_id', raColumn: 'ra', decColumn: 'dec', columns: ['phot_g_mean_mag', 'label'], radiusArcsec: 2 };
}

function rows(index: SkyIndex): string[] {
  return Array.from({ length: index.size }, (_, i) =>
    [stringAt(index.ids, i), index.x[i], index.y[i], index.z[i], columnValue(index.columns.phot_g_mean_mag!, i), columnValue(index.columns.label!, i)].join('|'),
  );
}

describe('CSV parser', () => {
  const text = 'a,b,c\r\n1,"x, y","say ""hi"""\n2,"two\nlines",\n\n3,plain,last';
  const expected = [['a', 'b', 'c'], ['1', 'x, y', 'say "hi"'], ['2', 'two\nlines', ''], ['3', 'plain', 'last']];

  it('handles quotes, escaped quotes, embedded newlines, CRLF, blank lines and a missing final newline', () => {
    const parser = new CsvParser();
    expect([...parser.push(text), ...parser.end()]).toEqual(expected);
  });

  it('gives the same records however the input is split into chunks', () => {
    for (let size = 1; size <= 7; size++) {
      const parser = new CsvParser();
      const out: string[][] = [];
      for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
      out.push(...parser.end());
      expect(out, `chunk size ${size}`).toEqual(expected);
    }
  });
});

describe('catalog loading', () => {
  it('reads the same sources from CSV and Parquet, keeping 64-bit ids exact and quoted text intact', async () => {
    const csv = await loadCatalog(smallCatalog('csv'));
    const parquet = await loadCatalog(smallCatalog('parquet'));
    expect(csv.index.size).toBe(300);
    expect(rows(parquet.index)).toEqual(rows(csv.index));
    const ids = rows(csv.index).map((r) => r.split('|')[0]);
    expect(ids).toContain('281323062375219201');
    const labels = Array.from({ length: csv.index.size }, (_, i) => columnValue(csv.index.columns.label!, i));
    expect(labels).toEqual(expect.arrayContaining(['with, comma', 'with "quotes"', 'two\nlines', 'ünïcødé ★']));
    expect(csv.index.columns.phot_g_mean_mag!.kind).toBe('number');
  });

  it('names a missing column and a bad config', async () => {
    await expect(loadCatalog({ ...smallCatalog('csv'), columns: ['nope'] })).rejects.toMatchObject({ code: 'CATALOG_INVALID', message: expect.stringContaining('"nope"') });
    await expect(loadCatalog({ ...smallCatalog('parquet'), raColumn: 'RA' })).rejects.toMatchObject({ code: 'CATALOG_INVALID' });
    await expect(loadCatalog({ ...smallCatalog('csv'), radiusArcsec: 0 })).rejects.toMatchObject({ code: 'CATALOG_INVALID' });
    await expect(loadCatalog({ ...smallCatalog('csv'), name: 'has space' })).rejects.toMatchObject({ code: 'CATALOG_INVALID' });
    await expect(loadCatalog({ ...smallCatalog('csv'), file: join(work, 'missing.csv') })).rejects.toMatchObject({ code: 'CATALOG_INVALID' });
  });

  it('reports an unreadable Parquet file as CATALOG_UNREADABLE', async () => {
    const file = join(work, 'broken.parquet');
    writeFileSync(file, 'not parquet at all');
    await expect(loadCatalog(smallCatalog('parquet', file))).rejects.toMatchObject({ code: 'CATALOG_UNREADABLE' });
  });

  it('caches the built index and rebuilds when the file changes', async () => {
    const file = join(work, 'cached.csv');
    copyFileSync(reference('small-catalog.csv'), file);
    const config = smallCatalog('csv', file);
    const cacheDir = join(work, 'cache');
    const first = await loadCatalog(config, { cacheDir });
    const second = await loadCatalog(config, { cacheDir });
    expect(first.fromCache).toBe(false);
    expect(second.fromCache).toBe(true);
    expect(rows(second.index)).toEqual(rows(first.index));
    expect(Array.from(second.index.pixels)).toEqual(Array.from(first.index.pixels));

    writeFileSync(file, 'source_id,ra,dec,phot_g_mean_mag,label\n1,10,20,15,only\n');
    const later = new Date(statSync(file).mtimeMs + 5000);
    utimesSync(file, later, later);
    const third = await loadCatalog(config, { cacheDir });
    expect(third.fromCache).toBe(false);
    expect(third.index.size).toBe(1);
  });

  it('counts rows with invalid positions as skipped', async () => {
    const file = join(work, 'bad-rows.csv');
    writeFileSync(file, 'source_id,ra,dec,phot_g_mean_mag,label\n1,10,20,15,a\n2,abc,20,15,b\n3,10,95,15,c\n4,,1,1,d\n');
    const loaded = await loadCatalog(smallCatalog('csv', file));
    expect(loaded.index.size).toBe(1);
    expect(loaded.skippedRows).toBe(3);
  });
});

describe('bright star catalogue', () => {
  it('ships all 9,096 stars and finds Sirius and Polaris by position', async () => {
    const stars = await loadCatalog(brightStarsCatalog());
    expect(stars.index.size).toBe(9096);
    const cone = prepareCone(stars.index, stars.config.radiusArcsec);
    const sirius = coneSearch(stars.index, cone, 101.28716, -16.71612); // SIMBAD J2000
    expect(stringAt(stars.index.ids, sirius.nearest)).toBe('2491');
    expect(columnValue(stars.index.columns.name!, sirius.nearest)).toBe('Sirius');
    expect(columnValue(stars.index.columns.vmag!, sirius.nearest)).toBe(-1.46);
    expect(sirius.sepArcsec).toBeLessThan(2);
    const polaris = coneSearch(stars.index, cone, 37.95456, 89.26411);
    expect(columnValue(stars.index.columns.name!, polaris.nearest)).toBe('Polaris');
  });
});

describe('synthetic catalogs', () => {
  it('are reproducible from the seed and uniform on the sphere', () => {
    const a = [...syntheticSources(2000, 5)];
    expect([...syntheticSources(2000, 5)]).toEqual(a);
    expect([...syntheticSources(10, 6)][0]).not.toEqual(a[0]);
    const north = a.filter((s) => s.dec > 0).length;
    const band = a.filter((s) => Math.abs(s.dec) < 30).length; // sin 30° = half the sphere's area
    expect(north).toBeGreaterThan(900);
    expect(north).toBeLessThan(1100);
    expect(band).toBeGreaterThan(900);
    expect(band).toBeLessThan(1100);
  });

  it('give the same index whether built directly or through a CSV file', async () => {
    const file = join(work, 'synthetic.csv');
    await writeSyntheticCsv(file, 5000, 11);
    const viaCsv = await loadCatalog({ name: 'syn', file, format: 'csv', idColumn: 'id', raColumn: 'ra', decColumn: 'dec', columns: ['mag'], radiusArcsec: 60 });
    const direct = syntheticIndex(5000, 11, { withMag: true });
    expect(viaCsv.index.size).toBe(5000);
    const ras = Float64Array.from({ length: 200 }, (_, i) => (i * 1.8) % 360);
    const decs = Float64Array.from({ length: 200 }, (_, i) => -89 + i * 0.89);
    const a = crossmatch(direct, ras, decs, 3600);
    const b = crossmatch(viaCsv.index, ras, decs, 3600);
    expect(Array.from(b.count)).toEqual(Array.from(a.count));
    expect(Array.from(b.nearest, (i) => (i < 0 ? null : stringAt(viaCsv.index.ids, i)))).toEqual(Array.from(a.nearest, (i) => (i < 0 ? null : stringAt(direct.ids, i))));
    expect(a.count.reduce((s, c) => s + c, 0)).toBeGreaterThan(0);
  });
});
