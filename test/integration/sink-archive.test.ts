import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { archiveQueries, type ArchiveQueries } from '../../src/clickhouse/archive-queries.js';
import { clickhouseUrl, loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { catalogueColumns } from '../../src/sink/columns.js';
import type { SinkMessage } from '../../src/sink/rows.js';
import { addMissingAlertColumns, createArchiveTables } from '../../src/sink/schema.js';
import { separationDeg } from '../../src/sink/sky.js';
import { SinkStage } from '../../src/sink/stage.js';
import { clickhouseWriter } from '../../src/sink/writer.js';
import { testFields } from '../unit/sink/fixture.js';
import { realZtfEnriched, uniqueName } from './sink-support.js';

const config = loadConfig({ overrides: { sink: { flushMs: 1 } } });
const database = uniqueName('nightjar_test_sink');
const columns = catalogueColumns(testFields);
const alerts = realZtfEnriched();
let client: ClickHouseClient;
let queries: ArchiveQueries;

const message = (topic: string, value: unknown, offset: number): SinkMessage => ({ topic, partition: 0, offset: String(offset), value: Buffer.from(JSON.stringify(value)), timestamp: String(Date.now()) });
const enrichedMessages = () => alerts.map((alert, i) => message(config.topics.enriched, alert, i));
const matchMessages = () =>
  alerts.slice(0, 3).map((alert, i) => message('nightjar.user.alice', { filter: { id: 'bright', version: 2, owner: 'alice' }, matchedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(), alert: { survey: 'ztf', alertId: alert.alertId, objectId: alert.objectId } }, i));

function stage(): SinkStage {
  return new SinkStage({ config, writer: clickhouseWriter(client, database), columns, logger: silentLogger(), registry: new Registry() });
}

async function count(sql: string): Promise<number> {
  const result = await client.query({ query: sql, format: 'JSONEachRow' });
  return Number((await result.json<{ n: string }>())[0]!.n);
}

beforeAll(async () => {
  client = createClient({ url: clickhouseUrl(config), log: { level: ClickHouseLogLevel.OFF } });
  await client.command({ query: `CREATE DATABASE ${database}` });
  await createArchiveTables(client, database, testFields);
  queries = archiveQueries(client, database, columns);
  await stage().process([...enrichedMessages(), ...matchMessages()]);
});

afterAll(async () => {
  await client?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client?.close();
});

describe('the archive of real ZTF alerts', () => {
  it('finds every alert by id, with its fields, annotations and survey record', async () => {
    expect(alerts.length).toBe(16);
    for (const alert of alerts) {
      const found = await queries.getAlert(alert.alertId as string);
      // 18.16 parses decimal text to within one ulp, not always to the nearest double: compare to 1e-9.
      const close = (x: unknown) => expect.closeTo(x as number, 9);
      expect(found).toMatchObject({ survey: 'ztf', alertId: alert.alertId, objectId: alert.objectId, mjd: close(alert.mjd), ra: close(alert.ra), dec: close(alert.dec), mag: close(alert.mag), isPositive: alert.isPositive, synthetic: false });
      expect((found!.ztf as { candidate: { candid: string } }).candidate.candid).toBe(alert.alertId);
    }
    expect(await queries.getAlert('1')).toBeNull();
  });

  it('finds every alert by a 1-arcsecond cone search, with the exact distance', async () => {
    for (const alert of alerts) {
      const hits = await queries.coneSearch(alert.ra as number, alert.dec as number, 1 / 3600, 10);
      expect(hits.map((h) => h.alertId)).toContain(alert.alertId);
      const offset = { ra: (alert.ra as number) + 0.5 / 3600, dec: (alert.dec as number) - 0.5 / 3600 };
      const [near] = await queries.coneSearch(offset.ra, offset.dec, 2 / 3600, 1);
      expect(near!.alertId).toBe(alert.alertId);
      expect(Math.abs(near!.distanceArcsec - separationDeg(offset.ra, offset.dec, alert.ra as number, alert.dec as number) * 3600)).toBeLessThan(1e-6);
    }
  });

  it('excludes a point just outside the radius and includes one just inside', async () => {
    const alert = alerts[0]!;
    const exact = separationDeg(0 + (alert.ra as number), alert.dec as number, (alert.ra as number) + 10 / 3600, alert.dec as number);
    const center = { ra: (alert.ra as number) + 10 / 3600, dec: alert.dec as number };
    expect((await queries.coneSearch(center.ra, center.dec, exact * 1.000001)).map((h) => h.alertId)).toContain(alert.alertId);
    expect((await queries.coneSearch(center.ra, center.dec, exact * 0.999999)).map((h) => h.alertId)).not.toContain(alert.alertId);
  });

  it("holds every point of each alert's light curve in its object's light curve, once", async () => {
    for (const alert of alerts) {
      const object = await queries.getObject(alert.objectId as string);
      const key = (p: { mjd: number; band: string | null; kind: string }) => `${p.mjd}|${p.band}|${p.kind}`;
      const archived = object!.lightcurve.map(key);
      expect(new Set(archived).size).toBe(archived.length);
      for (const point of alert.lightcurve as { mjd: number; band: string | null; kind: string }[]) expect(archived).toContain(key(point));
      expect(object!.detections).toBeGreaterThanOrEqual(1);
    }
  });

  it('returns the FITS cutouts as stored', async () => {
    for (const alert of alerts) {
      const cutouts = alert.cutouts as Record<string, string | null>;
      for (const kind of ['science', 'template', 'difference'] as const) {
        const fits = await queries.getCutout(alert.alertId as string, kind);
        expect(fits?.toString('base64')).toBe(cutouts[kind]);
        expect(fits?.subarray(0, 9).toString('latin1')).toBe('SIMPLE  =');
      }
    }
  });

  it("lists an owner's matches, newest first", async () => {
    const matches = await queries.matchesOf('alice', 'bright');
    expect(matches.map((m) => m.alertId)).toEqual(alerts.slice(0, 3).map((a) => a.alertId).reverse());
    expect(matches[0]).toMatchObject({ owner: 'alice', filterId: 'bright', version: 2, matchedAt: '2026-01-01T00:00:02.000Z' });
    expect(await queries.matchesOf('bob')).toEqual([]);
  });

  it('keeps one row per record when the same messages are archived again', async () => {
    await stage().process([...enrichedMessages(), ...matchMessages()]);
    await stage().process(enrichedMessages());
    const points = new Set(alerts.flatMap((a) => (a.lightcurve as { mjd: number; band: string; kind: string }[]).map((p) => `${a.objectId}|${p.mjd}|${p.band}|${p.kind}`)));
    const objects = new Set(alerts.map((a) => a.objectId));
    expect(await count(`SELECT count() AS n FROM ${database}.alerts`)).toBeGreaterThan(alerts.length);
    expect(await count(`SELECT count() AS n FROM ${database}.alerts FINAL`)).toBe(alerts.length);
    expect(await count(`SELECT count() AS n FROM ${database}.alert_positions FINAL`)).toBe(alerts.length);
    expect(await count(`SELECT count() AS n FROM ${database}.objects FINAL`)).toBe(objects.size);
    expect(await count(`SELECT count() AS n FROM ${database}.lightcurve_points FINAL`)).toBe(points.size);
    expect(await count(`SELECT count() AS n FROM ${database}.cutouts FINAL`)).toBe(alerts.length * 3);
    expect(await count(`SELECT count() AS n FROM ${database}.matches FINAL`)).toBe(3);
    expect(await queries.coneSearch(alerts[0]!.ra as number, alerts[0]!.dec as number, 1 / 3600)).toHaveLength(1);
  });
});

describe('cone search geometry on the server', () => {
  // Real alerts lie nowhere near RA 0/360 or the poles; these positions exist to test the edges.
  const edge = [
    { alertId: 'edge-1', ra: 359.99995, dec: 10 },
    { alertId: 'edge-2', ra: 0.00005, dec: 10 },
    { alertId: 'edge-3', ra: 10, dec: 89.9999 },
    { alertId: 'edge-4', ra: 190, dec: 89.9999 },
    { alertId: 'edge-5', ra: 45, dec: -90 },
  ];

  beforeAll(async () => {
    const rows = edge.map((p, i) => message(config.topics.enriched, { survey: 'lsst', alertId: p.alertId, objectId: p.alertId, mjd: 61000, ra: p.ra, dec: p.dec, synthetic: true }, 100 + i));
    await stage().process(rows);
  });

  it('finds both sides of RA 0/360', async () => {
    const hits = await queries.coneSearch(0, 10, 0.5 / 3600);
    expect(hits.map((h) => h.alertId).sort()).toEqual(['edge-1', 'edge-2']);
    for (const hit of hits) expect(hit.distanceArcsec).toBeCloseTo(separationDeg(0, 10, hit.ra, hit.dec) * 3600, 9);
  });

  it('finds points on the far side of a pole', async () => {
    const hits = await queries.coneSearch(100, 90, 1 / 3600);
    expect(hits.map((h) => h.alertId).sort()).toEqual(['edge-3', 'edge-4']);
    expect((await queries.coneSearch(300, -89.9999, 1 / 3600)).map((h) => h.alertId)).toEqual(['edge-5']);
  });

  it('refuses arguments out of range with REQUEST_INVALID', async () => {
    await expect(queries.coneSearch(360, 0, 0.1)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(queries.coneSearch(10, 91, 0.1)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(queries.coneSearch(10, 0, 0)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
    await expect(queries.coneSearch(10, 0, 0.1, 0)).rejects.toMatchObject({ code: 'REQUEST_INVALID' });
  });
});

describe('the alerts table follows the field catalogue', () => {
  it('adds a column for a field registered after the table was created, and only once', async () => {
    const later = [...testFields, { path: 'ndetections', type: 'integer' as const, description: 'detections so far', surveys: ['ztf' as const], example: 3, group: 'test' }];
    expect(await addMissingAlertColumns(client, database, later, silentLogger())).toEqual(['ndetections']);
    expect(await addMissingAlertColumns(client, database, later, silentLogger())).toEqual([]);
    const result = await client.query({ query: `SELECT type FROM system.columns WHERE database = '${database}' AND table = 'alerts' AND name = 'ndetections'`, format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ type: 'Nullable(Int64)' }]);
  });
});
