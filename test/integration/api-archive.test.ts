import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { startRoles, type RunningRoles } from '../../src/cli/run.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { ensureFirstAdmin } from '../../src/platform/bootstrap.js';
import { testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { AlertDecoder } from '../../src/ingest/index.js';
import { sampleMessages } from './support/alerts.js';
import { freePort, roleTopics } from './support/roles.js';
import { gunzipIfNeeded } from '../../src/api/cutouts/fits-image.js';

/** A header keyword of the first HDU, read straight from the 80-character cards. */
function fitsKeyword(fits: Buffer, keyword: string): string | undefined {
  for (let at = 0; at + 80 <= fits.length; at += 80) {
    const card = fits.subarray(at, at + 80).toString('latin1');
    if (card.startsWith('END ')) return undefined;
    if (card.slice(0, 8).trim() === keyword && card.slice(8, 10) === '= ') return card.slice(10).split('/')[0]!.trim();
  }
  return undefined;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * The archive through the API, end to end: real ZTF and Rubin alerts replayed into the input
 * topic of `nightjar run --roles worker,sink,api`, decoded and enriched by the worker, archived by
 * the sink into a fresh ClickHouse database, then found over HTTP by id, by cone (JSON and the IVOA
 * SCS VOTable), in their object's light curve (JSON and CSV), and as FITS and PNG cutouts.
 */
describe('archived alerts through the REST API', () => {
  let kit: KafkaKit;
  let config: Config;
  let running: RunningRoles;
  let clickhouse: ClickHouseClient;
  let base: string;
  let token: string;
  let alerts: Alert[];

  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
  const getJson = async (path: string) => {
    const response = await get(path);
    return { status: response.status, json: (await response.json()) as any };
  };

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = testConfig({
      topics: await roleTopics(kit, 'aa'),
      api: { host: '127.0.0.1', port: await freePort() },
      clickhouse: { database: uniqueName('nightjar_test_api_archive').replace(/-/g, '_') },
      sink: { flushMs: 100 },
      runner: { instanceId: uniqueName('aa'), groupPrefix: uniqueName('aa'), topicRefreshMs: 500 },
    });
    clickhouse = createClickHouse(config);
    await runMigrations(clickhouse, config, silentLogger());
    running = await startRoles(['worker', 'sink', 'api'], { config, logger: silentLogger() }, { signals: false });
    base = `http://127.0.0.1:${config.api.port}/api/v1`;
    token = (await ensureFirstAdmin(running.services!.platform, silentLogger())).token!;

    const messages = await sampleMessages();
    // What the archive must hold, decoded independently of the worker, with the stamps.
    const decoder = new AlertDecoder({ config, logger: silentLogger() });
    const decoded: Alert[] = [];
    for (const m of messages) for (const outcome of await decoder.decodeMessage(m.value, { cutouts: true })) if (outcome.ok) decoded.push(outcome.alert);
    // The four small simulated Rubin samples share one diaSourceId: the archive holds it once.
    alerts = [...new Map(decoded.map((a) => [`${a.survey}/${a.alertId}`, a])).values()];
    await kit.producer.send({ topic: config.topics.input[0]!, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    for (const alert of alerts) await waitFor(async () => (await get(`/alerts/${alert.alertId}?survey=${alert.survey}`)).status === 200, { timeoutMs: 120_000, message: `alert ${alert.alertId} archived` });
  }, 240_000);

  afterAll(async () => {
    await running?.stop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await clickhouse?.close();
  });

  it('archived real alerts of both surveys', () => {
    expect(alerts.filter((a) => a.survey === 'ztf').length).toBeGreaterThanOrEqual(10);
    expect(alerts.filter((a) => a.survey === 'lsst').length).toBeGreaterThanOrEqual(4);
  });

  it('finds every alert by id: exact 64-bit ids, its fields, annotations and survey record', async () => {
    for (const alert of alerts) {
      const { status, json } = await getJson(`/alerts/${alert.alertId}?survey=${alert.survey}`);
      expect(status).toBe(200);
      expect(json.alert).toMatchObject({ survey: alert.survey, alertId: alert.alertId, objectId: alert.objectId, synthetic: false });
      expect(typeof json.alert.alertId).toBe('string');
      expect(json.alert.ra).toBeCloseTo(alert.ra, 9);
      expect(json.alert.dec).toBeCloseTo(alert.dec, 9);
      expect(json.alert.mjd).toBeCloseTo(alert.mjd, 9);
      expect(json.alert.lc, 'light-curve features').toEqual(expect.any(Object));
      expect(json.alert.anomaly, 'anomaly namespace').toEqual(expect.any(Object));
      expect(json.alert[alert.survey], 'survey record').toEqual(expect.any(Object));
      const present = (['science', 'template', 'difference'] as const).filter((k) => alert.cutouts?.[k]);
      expect(json.cutouts).toEqual(present);
    }
    const ztf = alerts.find((a) => a.survey === 'ztf')!;
    const record = (await getJson(`/alerts/${ztf.alertId}`)).json.alert.ztf;
    expect(String(record.candidate.candid)).toBe(ztf.alertId);
    expect((await getJson('/alerts/1')).json.error.code).toBe('NOT_FOUND');
  });

  it('finds every alert by a 1″ cone, nearest first, in JSON and as an SCS VOTable', async () => {
    const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, isArray: (name) => name === 'TR' || name === 'FIELD' });
    for (const alert of alerts) {
      const { status, json } = await getJson(`/cone?ra=${alert.ra}&dec=${alert.dec}&radius=1`);
      expect(status).toBe(200);
      const hit = json.hits.find((h: { alertId: string }) => h.alertId === alert.alertId);
      expect(hit, alert.alertId).toBeDefined();
      expect(hit.separation).toBeLessThan(1e-6);
      const separations = json.hits.map((h: { separation: number }) => h.separation);
      expect(separations).toEqual([...separations].sort((a, b) => a - b));

      const response = await get(`/scs?RA=${alert.ra}&DEC=${alert.dec}&SR=${1 / 3600}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/xml; charset=UTF-8');
      const xml = await response.text();
      expect(XMLValidator.validate(xml)).toBe(true);
      const resource = parser.parse(xml).VOTABLE.RESOURCE;
      expect(resource.INFO.value).toBe('OK');
      const fields = (resource.TABLE.FIELD as { name: string }[]).map((f) => f.name);
      const rows = (resource.TABLE.DATA.TABLEDATA.TR as { TD: string[] }[]).map((tr) => Object.fromEntries(fields.map((name, i) => [name, tr.TD[i]])));
      expect(rows.map((r) => r.alertId)).toContain(alert.alertId);
      expect(Number(rows.find((r) => r.alertId === alert.alertId)!.ra)).toBeCloseTo(alert.ra, 9);
    }
  });

  it("finds each alert's detection in its object's light curve, in JSON and CSV", async () => {
    for (const alert of alerts) {
      const { status, json } = await getJson(`/objects/${alert.objectId}?survey=${alert.survey}`);
      expect(status, alert.objectId).toBe(200);
      expect(json).toMatchObject({ survey: alert.survey, objectId: alert.objectId });
      const own = json.lightcurve.find((p: { mjd: number; kind: string }) => p.kind === 'detection' && Math.abs(p.mjd - alert.mjd) < 1e-9);
      expect(own, `detection of ${alert.alertId}`).toBeDefined();
      // Every point the alert carried is in the object's light curve (once).
      expect(json.lightcurve.length).toBeGreaterThanOrEqual(new Set(alert.lightcurve.map((p) => `${p.mjd}|${p.band}|${p.kind}`)).size);

      const csv = await get(`/objects/${alert.objectId}?survey=${alert.survey}`, { accept: 'text/csv' });
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = (await csv.text()).trimEnd().split('\r\n');
      expect(lines[0]).toBe('mjd,band,kind,mag,magErr,flux,fluxErr,limitMag');
      expect(lines.length - 1).toBe(json.lightcurve.length);
      expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(json.lightcurve.map((p: { mjd: number }) => p.mjd));
    }
  });

  it('serves every archived cutout as the FITS stamp (gunzipped) and as a PNG of the same size', async () => {
    let checked = 0;
    for (const alert of alerts) {
      for (const kind of ['science', 'template', 'difference'] as const) {
        const stamp = alert.cutouts?.[kind];
        if (!stamp) {
          expect((await get(`/alerts/${alert.alertId}/cutouts/${kind}`)).status).toBe(404);
          continue;
        }
        const fitsResponse = await get(`/alerts/${alert.alertId}/cutouts/${kind}?format=fits`);
        expect(fitsResponse.status).toBe(200);
        expect(fitsResponse.headers.get('content-type')).toBe('application/fits');
        const fits = Buffer.from(await fitsResponse.arrayBuffer());
        expect(fits.subarray(0, 30).toString('latin1')).toMatch(/^SIMPLE  =\s+T/);
        // The stamp as the survey sent it (ZTF: gzip-compressed), served inflated.
        expect(fits.equals(gunzipIfNeeded(Buffer.from(stamp), 1 << 22))).toBe(true);
        const [width, height] = [Number(fitsKeyword(fits, 'NAXIS1')), Number(fitsKeyword(fits, 'NAXIS2'))];
        expect(width).toBeGreaterThan(10);

        const pngResponse = await get(`/alerts/${alert.alertId}/cutouts/${kind}?format=png`);
        expect(pngResponse.status).toBe(200);
        expect(pngResponse.headers.get('content-type')).toBe('image/png');
        const png = Buffer.from(await pngResponse.arrayBuffer());
        expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
        expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
        expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([width, height]);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3 * 14);
  });

  it('is usable by pyvo (from PyPI): records with ids and positions found by the SCS UCDs, errors raised as DALQueryError', async () => {
    const alert = alerts.find((a) => a.survey === 'ztf')!;
    const root = base.replace(/\/api\/v1$/, '');
    const { stdout } = await promisify(execFile)('bash', ['scripts/pyvo-scs.sh', root, token, String(alert.ra), String(alert.dec), String(1 / 3600)], { maxBuffer: 16 * 1024 * 1024 });
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(seen.rows).toBeGreaterThanOrEqual(1);
    expect(seen.basicRows).toBe(seen.rows);
    expect(seen.records[0].id).toBe(alert.alertId);
    expect(seen.records[0].ra).toBeCloseTo(alert.ra, 9);
    expect(seen.records[0].dec).toBeCloseTo(alert.dec, 9);
    expect(seen.columns).toEqual(expect.arrayContaining(['alertId', 'ra', 'dec', 'objectId', 'mjd', 'separation']));
    expect(seen.warnings).toEqual([]);
    expect(seen.error).toMatch(/SR/);
  }, 300_000);
});
