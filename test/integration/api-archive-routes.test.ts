import { gzipSync } from 'node:zlib';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { XMLParser } from 'fast-xml-parser';
import { PNG } from 'pngjs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { archiveQueries } from '../../src/clickhouse/archive-queries.js';
import { clickhouseUrl, loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { catalogueColumns } from '../../src/sink/columns.js';
import type { SinkMessage } from '../../src/sink/rows.js';
import { createArchiveTables } from '../../src/sink/schema.js';
import { SinkStage } from '../../src/sink/stage.js';
import { clickhouseWriter } from '../../src/sink/writer.js';
import { testFields } from '../unit/sink/fixture.js';
import { memoryServices } from '../unit/api/memory-services.js';
import { realZtfEnriched, uniqueName } from './sink-support.js';

/**
 * Every archive route and its error codes through app.inject(), on a real ClickHouse database
 * filled by the sink's own stage with the real ZTF alerts, plus a few made-up alerts for the cases
 * real ones do not have (a missing stamp, a stamp that is not FITS, a gzipped stamp, another survey
 * at the same position).
 */
const config = loadConfig({ overrides: { sink: { flushMs: 1 } } });
const database = uniqueName('nightjar_test_api_routes');
const columns = catalogueColumns(testFields);
const ztf = realZtfEnriched();
let client: ClickHouseClient;
let app: FastifyInstance;
let headers: Record<string, string>;

const first = ztf[0]!;
const science = (first.cutouts as { science: string }).science;
const made = [
  // Another survey 2″ north of the first ZTF alert, three days later; only a science stamp, gzipped.
  { survey: 'lsst', alertId: '170000000000000001', objectId: '170000000000000099', mjd: (first.mjd as number) + 3, ra: first.ra, dec: (first.dec as number) + 2 / 3600, band: 'r', mag: 21.5, lightcurve: [{ mjd: (first.mjd as number) + 3, band: 'r', kind: 'forced', mag: null, magErr: null, flux: 1234.5, fluxErr: 10, limitMag: null }], cutouts: { science: gzipSync(Buffer.from(science, 'base64')).toString('base64'), template: null, difference: null } },
  // A stamp that is not FITS at all.
  { survey: 'lsst', alertId: '170000000000000002', objectId: '170000000000000098', mjd: 61000, ra: 200, dec: -30, cutouts: { science: Buffer.from('definitely not FITS').toString('base64') } },
];

const message = (value: unknown, offset: number): SinkMessage => ({ topic: config.topics.enriched, partition: 0, offset: String(offset), value: Buffer.from(JSON.stringify(value)), timestamp: String(Date.now()) });
const get = (url: string, extra: Record<string, string> = {}) => app.inject({ url: `/api/v1${url}`, headers: { ...headers, ...extra } });

beforeAll(async () => {
  client = createClient({ url: clickhouseUrl(config), log: { level: ClickHouseLogLevel.OFF } });
  await client.command({ query: `CREATE DATABASE ${database}` });
  await createArchiveTables(client, database, testFields);
  const stage = new SinkStage({ config, writer: clickhouseWriter(client, database), columns, logger: silentLogger(), registry: new Registry() });
  await stage.process([...ztf, ...made].map(message));
  const kit = memoryServices({ archive: archiveQueries(client, database, columns) });
  app = buildApi({ config: kit.config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: kit.services });
  await kit.platform.users.create({ name: 'alice' });
  headers = { authorization: `Bearer ${(await kit.platform.tokens.issue({ owner: 'alice', scopes: ['read'], lifetimeMs: null })).token}` };
});

afterAll(async () => {
  await app?.close();
  await client?.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await client?.close();
});

describe('GET /alerts/{alertId}', () => {
  it('answers the archived alert with exact ids, annotations, survey record and its cutout kinds', async () => {
    const res = await get(`/alerts/${first.alertId}`);
    expect(res.statusCode).toBe(200);
    const { alert, cutouts } = res.json();
    expect(alert).toMatchObject({ survey: 'ztf', alertId: first.alertId, objectId: first.objectId, isPositive: first.isPositive, synthetic: false });
    expect(res.body).toContain(`"alertId":"${first.alertId}"`);
    expect(alert.ztf.candidate.candid).toBe(first.alertId);
    expect(alert.ingestedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(cutouts).toEqual(['science', 'template', 'difference']);
    expect((await get('/alerts/170000000000000001')).json().cutouts).toEqual(['science']);
  });

  it('answers 404 NOT_FOUND for an unknown id, or a known id of another survey', async () => {
    for (const url of ['/alerts/999', `/alerts/${first.alertId}?survey=lsst`]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    expect((await get(`/alerts/${first.alertId}?survey=ztf`)).statusCode).toBe(200);
  });
});

describe('GET /objects/{objectId}', () => {
  it('answers the latest state and the deduplicated light curve, by mjd', async () => {
    const res = await get(`/objects/${first.objectId}`);
    expect(res.statusCode).toBe(200);
    const object = res.json();
    expect(object).toMatchObject({ survey: 'ztf', objectId: first.objectId });
    const mjds = object.lightcurve.map((p: { mjd: number }) => p.mjd);
    expect(mjds).toEqual([...mjds].sort((a: number, b: number) => a - b));
    for (const point of first.lightcurve as { mjd: number; kind: string }[]) expect(object.lightcurve.some((p: { mjd: number; kind: string }) => p.mjd === point.mjd && p.kind === point.kind)).toBe(true);
    expect(object.detections).toBe(object.lightcurve.filter((p: { kind: string }) => p.kind === 'detection').length);
  });

  it('answers CSV with ?format=csv or Accept: text/csv, and JSON when JSON is asked for', async () => {
    const json = (await get(`/objects/${first.objectId}`)).json();
    for (const res of [await get(`/objects/${first.objectId}?format=csv`), await get(`/objects/${first.objectId}`, { accept: 'text/csv' })]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      const lines = res.body.trimEnd().split('\r\n');
      expect(lines[0]).toBe('mjd,band,kind,mag,magErr,flux,fluxErr,limitMag');
      expect(lines).toHaveLength(json.lightcurve.length + 1);
      const [mjd, band, kind, mag] = lines[1]!.split(',');
      expect([Number(mjd), band || null, kind, mag === '' ? null : Number(mag)]).toEqual([json.lightcurve[0].mjd, json.lightcurve[0].band, json.lightcurve[0].kind, json.lightcurve[0].mag]);
    }
    expect((await get(`/objects/${first.objectId}?format=json`, { accept: 'text/csv' })).headers['content-type']).toMatch(/^application\/json/);
    const forced = await get('/objects/170000000000000099?format=csv');
    expect(forced.body.split('\r\n')[1]).toBe(`${(first.mjd as number) + 3},r,forced,,,1234.5,10,`);
  });

  it('answers 404 NOT_FOUND for an unknown object', async () => {
    for (const url of ['/objects/ZTF00nothing', '/objects/ZTF00nothing?format=csv', `/objects/${first.objectId}?survey=lsst`]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });
});

describe('GET /cone', () => {
  it('finds alerts within the radius, nearest first, with the separation in arcsec', async () => {
    const res = await get(`/cone?ra=${first.ra}&dec=${first.dec}&radius=3`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.hits.map((h: { alertId: string }) => h.alertId)).toEqual([first.alertId, '170000000000000001']);
    expect(body.hits[0].separation).toBeLessThan(1e-6);
    expect(body.hits[1].separation).toBeCloseTo(2, 6);
    expect(body).toMatchObject({ ra: first.ra, dec: first.dec, radius: 3, count: 2 });
    expect((await get(`/cone?ra=${first.ra}&dec=${first.dec}&radius=1.5`)).json().count).toBe(1);
  });

  it('restricts by survey, MJD range and limit', async () => {
    const around = `ra=${first.ra}&dec=${first.dec}&radius=3`;
    const ids = async (query: string) => (await get(`/cone?${around}&${query}`)).json().hits.map((h: { alertId: string }) => h.alertId);
    expect(await ids('survey=lsst')).toEqual(['170000000000000001']);
    expect(await ids('survey=ztf')).toEqual([first.alertId]);
    expect(await ids(`since=${(first.mjd as number) + 1}`)).toEqual(['170000000000000001']);
    expect(await ids(`until=${(first.mjd as number) + 1}`)).toEqual([first.alertId]);
    expect(await ids(`since=${first.mjd}&until=${first.mjd}`)).toEqual([first.alertId]);
    expect(await ids('limit=1')).toEqual([first.alertId]);
  });

  // Regression (found by schemathesis): subnormal numbers are valid parameters but 18.16 cannot parse them as literals.
  it('answers 200, not 500, for subnormal coordinates and radii', async () => {
    for (const url of ['/cone?dec=58.85&radius=2.2250738585e-313&ra=2.457848577695834e-210', '/cone?ra=5e-324&dec=5e-324&radius=1', '/scs?SR=0.99999&RA=5e-324&DEC=0.6083952637606131']) {
      expect((await get(url)).statusCode, url).toBe(200);
    }
  });

  it('answers 400 REQUEST_INVALID for out-of-range parameters and an empty MJD range', async () => {
    for (const query of [`ra=${first.ra}&dec=${first.dec}&radius=3&since=2&until=1`, 'ra=-1&dec=0&radius=1', 'ra=1&dec=0&radius=5000', 'ra=1&dec=0&radius=1&limit=10001', 'ra=1&dec=0&radius=1&colour=red']) {
      const res = await get(`/cone?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error.code).toBe('REQUEST_INVALID');
    }
  });
});

describe('GET /scs', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, isArray: (name) => name === 'TR' });

  it('answers a VOTable with the rows of the cone, nearest first', async () => {
    const res = await get(`/scs?RA=${first.ra}&DEC=${first.dec}&SR=${3 / 3600}&VERB=2`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/xml; charset=UTF-8');
    const table = parser.parse(res.body).VOTABLE.RESOURCE.TABLE;
    const names = (table.FIELD as { name: string }[]).map((f) => f.name);
    const rows = (table.DATA.TABLEDATA.TR as { TD: string[] }[]).map((tr) => Object.fromEntries(names.map((n, i) => [n, tr.TD[i]])));
    expect(rows.map((r) => r.alertId)).toEqual([first.alertId, '170000000000000001']);
    expect(Number(rows[1]!.separation) * 3600).toBeCloseTo(2, 6);
    expect(rows[0]!.objectId).toBe(first.objectId);
  });

  it('answers an empty table for a cone with nothing in it', async () => {
    const res = await get('/scs?RA=0.5&DEC=0.5&SR=0.001');
    const resource = parser.parse(res.body).VOTABLE.RESOURCE;
    expect(resource.INFO.value).toBe('OK');
    expect(resource.TABLE.DATA.TABLEDATA).toBe('');
  });
});

describe('GET /alerts/{alertId}/cutouts/{kind}', () => {
  it('answers the FITS stamp as stored, and a PNG of its size', async () => {
    const stamp = Buffer.from(science, 'base64');
    const fits = await get(`/alerts/${first.alertId}/cutouts/science?format=fits`);
    expect(fits.statusCode).toBe(200);
    expect(fits.headers['content-type']).toBe('application/fits');
    expect(fits.rawPayload.equals(stamp)).toBe(true);
    for (const kind of ['science', 'template', 'difference']) {
      for (const stretch of ['', '&stretch=linear', '&stretch=asinh']) {
        const res = await get(`/alerts/${first.alertId}/cutouts/${kind}?format=png${stretch}`);
        expect(res.statusCode).toBe(200);
        expect(res.headers['content-type']).toBe('image/png');
        const png = PNG.sync.read(res.rawPayload);
        expect([png.width, png.height]).toEqual([63, 63]);
      }
    }
    // PNG is the default format.
    expect((await get(`/alerts/${first.alertId}/cutouts/science`)).headers['content-type']).toBe('image/png');
  });

  it('gunzips a stamp archived gzipped', async () => {
    const res = await get('/alerts/170000000000000001/cutouts/science?format=fits');
    expect(res.rawPayload.equals(Buffer.from(science, 'base64'))).toBe(true);
    expect((await get('/alerts/170000000000000001/cutouts/science?format=png')).statusCode).toBe(200);
  });

  it('answers 404 NOT_FOUND for a missing alert or kind, and 422 CUTOUT_UNREADABLE for a PNG of a stamp that is not FITS', async () => {
    for (const url of ['/alerts/999/cutouts/science', '/alerts/170000000000000001/cutouts/template?format=fits', '/alerts/170000000000000001/cutouts/difference']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
    const png = await get('/alerts/170000000000000002/cutouts/science');
    expect(png.statusCode).toBe(422);
    expect(png.json().error.code).toBe('CUTOUT_UNREADABLE');
    const fits = await get('/alerts/170000000000000002/cutouts/science?format=fits');
    expect(fits.statusCode).toBe(200);
    expect(fits.rawPayload.toString()).toBe('definitely not FITS');
  });
});

describe('an archive database that does not exist', () => {
  it('answers 503 ARCHIVE_UNAVAILABLE on every route (the SCS as a VOTable)', async () => {
    const kit = memoryServices({ archive: archiveQueries(client, `${database}_missing`, columns) });
    const missing = buildApi({ config: kit.config, logger: silentLogger(), registry: createMetricsRegistry(), readiness: [], services: kit.services });
    await kit.platform.users.create({ name: 'bob' });
    const auth = { authorization: `Bearer ${(await kit.platform.tokens.issue({ owner: 'bob', scopes: ['read'], lifetimeMs: null })).token}` };
    for (const url of [`/alerts/${first.alertId}`, `/objects/${first.objectId}`, '/cone?ra=1&dec=1&radius=1', `/alerts/${first.alertId}/cutouts/science`]) {
      const res = await missing.inject({ url: `/api/v1${url}`, headers: auth });
      expect(res.statusCode, url).toBe(503);
      expect(res.json().error.code, url).toBe('ARCHIVE_UNAVAILABLE');
    }
    const scs = await missing.inject({ url: '/api/v1/scs?RA=1&DEC=1&SR=0.1', headers: auth });
    expect(scs.statusCode).toBe(503);
    expect(scs.body).toContain('ARCHIVE_UNAVAILABLE');
    await missing.close();
  });
});
