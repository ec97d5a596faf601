import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import avro from 'avsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFields } from '../../../src/alert/catalogue.js';
import { alertToJSON, surveyRecord } from '../../../src/alert/json.js';
import type { Alert } from '../../../src/alert/types.js';
import { loadConfig } from '../../../src/config/index.js';
import { NightjarError } from '../../../src/errors/index.js';
import { AlertDecoder } from '../../../src/ingest/index.js';
import { decodeMatchAvro, encodeMatchAvro, MATCH_CONTENT_TYPE, MATCH_SCHEMA_FILE, MATCH_SCHEMA_ID, matchAvroSchema, matchSchemaText, resolveMatchSchemaId, type MatchAvro } from '../../../src/publish/avro.js';
import { AlertText, matchRecord, type MatchTarget } from '../../../src/publish/match.js';
import { WorkerStage } from '../../../src/publish/worker-stage.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';

const SAMPLES = new URL('../../../schemas/samples/', import.meta.url).pathname;
const SCALARS = ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'band', 'mag', 'magErr', 'flux', 'fluxErr', 'snr', 'reliability', 'isPositive'] as const;
const matchedAt = new Date('2026-11-22T20:41:07.512Z');

function target(lightcurve: boolean, cutouts: boolean): MatchTarget {
  return { filterId: 'bright-new-transients', version: 3, owner: 'ada', topic: 'nightjar.user.ada', output: { format: 'avro', lightcurve, cutouts } };
}

/** Every record of every real sample alert, decoded with its cutouts. */
async function sampleAlerts(): Promise<{ file: string; alert: Alert }[]> {
  const decoder = new AlertDecoder({ config: loadConfig({ env: {} }) });
  const out: { file: string; alert: Alert }[] = [];
  for (const survey of ['ztf', 'lsst']) {
    for (const name of readdirSync(`${SAMPLES}${survey}`).sort()) {
      for (const outcome of await decoder.decodeMessage(readFileSync(`${SAMPLES}${survey}/${name}`), { cutouts: true })) {
        if (!outcome.ok) throw outcome.error;
        out.push({ file: `${survey}/${name}#${outcome.index}`, alert: outcome.alert });
      }
    }
  }
  return out;
}

function expectSameAlert(decoded: MatchAvro['alert'], alert: Alert, lightcurve: boolean, cutouts: boolean): void {
  for (const field of SCALARS) expect(decoded[field], field).toEqual(alert[field]);
  expect(decoded.lightcurve).toEqual(lightcurve ? alert.lightcurve : null);
  // Text comparison: deep-comparing Fink's 1 MB Rubin records costs seconds (parsed once in 'carries the survey record').
  // Without the light curve the record leaves out its history arrays.
  expect(decoded.survey_record).toBe(JSON.stringify(surveyRecord(alert.ztf ?? alert.lsst, lightcurve)));
  const stamps = [decoded.cutoutScience, decoded.cutoutTemplate, decoded.cutoutDifference];
  if (!cutouts) expect(stamps).toEqual([null, null, null]);
  else {
    const sent = [alert.cutouts!.science, alert.cutouts!.template, alert.cutouts!.difference];
    // Buffer.equals: element-wise toEqual over 50 KB stamps is slow.
    expect(stamps.map((b, i) => (b === null ? sent[i] === null : Buffer.from(sent[i]!).equals(b)))).toEqual([true, true, true]);
  }
}

let samples: { file: string; alert: Alert }[];
beforeAll(async () => {
  samples = await sampleAlerts();
});

describe('match Avro schema', () => {
  it('is the checked-in schemas/nightjar/match-v1.avsc', () => {
    const regenerate = 'regenerate it with: npx tsx -e "import(\'./src/publish/avro.ts\').then(m=>m.writeMatchSchemaFile())"';
    expect(readFileSync(MATCH_SCHEMA_FILE, 'utf8') === matchSchemaText(), `schemas/nightjar/match-v1.avsc differs from the schema generated from the field catalogue; ${regenerate}`).toBe(true);
  });

  it('has every scalar core catalogue field, typed, documented, required ones non-null', () => {
    const alertFields = ((matchAvroSchema().fields as { name: string; type: { fields: { name: string; type: unknown; doc?: string }[] } }[]).find((f) => f.name === 'alert')!.type).fields;
    const byName = new Map(alertFields.map((f) => [f.name, f]));
    const core = allFields().filter((def) => !def.path.includes('.') && !['lightcurve', 'cutouts', 'ztf', 'lsst'].includes(def.path));
    expect(core.map((def) => def.path).sort()).toEqual([...SCALARS].sort());
    for (const def of core) expect(byName.get(def.path)!.doc).toContain(def.description);
    expect(byName.get('mjd')!.type).toBe('double');
    expect(byName.get('alertId')!.type).toBe('string');
    expect(byName.get('mag')!.type).toEqual(['null', 'double']);
    expect(byName.get('isPositive')!.type).toEqual(['null', 'boolean']);
    expect(byName.get('cutoutScience')!.type).toEqual(['null', 'bytes']);
    expect([...byName.keys()]).toEqual(expect.arrayContaining(['lightcurve', 'annotations', 'survey_record', 'cutoutTemplate', 'cutoutDifference']));
  });
});

describe('encodeMatchAvro / decodeMatchAvro on real alerts', () => {
  it('round-trips every sample alert with light curve and cutouts, ids exact', () => {
    expect(samples.length).toBeGreaterThan(10);
    expect(new Set(samples.map((s) => s.alert.survey))).toEqual(new Set(['ztf', 'lsst']));
    for (const { file, alert } of samples) {
      const { schemaId, match } = decodeMatchAvro(encodeMatchAvro(alert, target(true, true), matchedAt));
      expect(schemaId, file).toBe(MATCH_SCHEMA_ID);
      expect({ ...match, alert: undefined }).toEqual({ filterId: 'bright-new-transients', filterVersion: 3, owner: 'ada', matchedAt: '2026-11-22T20:41:07.512Z', alert: undefined });
      expectSameAlert(match.alert, alert, true, true);
    }
  });

  it('keeps Rubin 64-bit ids exact as decimal strings', () => {
    const lsst = samples.find((s) => s.file.startsWith('lsst/sample.lsst.v11_1'))!.alert;
    expect(BigInt(lsst.alertId) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const { match } = decodeMatchAvro(encodeMatchAvro(lsst, target(false, false), matchedAt));
    expect(match.alert.alertId).toBe(lsst.alertId);
    expect(match.alert.objectId).toBe(lsst.objectId);
  });

  it('leaves out the light curve and cutouts unless asked', () => {
    const ztf = samples.find((s) => s.alert.survey === 'ztf' && s.alert.cutouts?.science)!.alert;
    expect(ztf.lightcurve.length).toBeGreaterThan(1);
    const full = encodeMatchAvro(ztf, target(true, true), matchedAt);
    const bare = encodeMatchAvro(ztf, target(false, false), matchedAt);
    const stamps = ztf.cutouts!.science!.length + ztf.cutouts!.template!.length + ztf.cutouts!.difference!.length;
    expect(full.length - bare.length).toBeGreaterThan(stamps + ztf.lightcurve.length * 8 * 2);
    expectSameAlert(decodeMatchAvro(bare).match.alert, ztf, false, false);
    expectSameAlert(decodeMatchAvro(encodeMatchAvro(ztf, target(true, false), matchedAt)).match.alert, ztf, true, false);
    expectSameAlert(decodeMatchAvro(encodeMatchAvro(ztf, target(false, true), matchedAt)).match.alert, ztf, false, true);
  });

  it('carries the survey record as JSON, its history only with the light curve', () => {
    const ztf = samples.find((s) => s.alert.survey === 'ztf' && Array.isArray((s.alert.ztf as { prv_candidates?: unknown }).prv_candidates))!.alert;
    const withHistory = JSON.parse(decodeMatchAvro(encodeMatchAvro(ztf, target(true, false), matchedAt)).match.alert.survey_record!);
    expect(withHistory).toEqual(ztf.ztf);
    const bare = JSON.parse(decodeMatchAvro(encodeMatchAvro(ztf, target(false, false), matchedAt)).match.alert.survey_record!);
    expect(bare.candidate.candid).toBe(ztf.alertId);
    expect(bare.prv_candidates).toBeUndefined();
    expect(bare).toEqual({ ...(ztf.ztf as object), prv_candidates: undefined, fp_hists: undefined });
  });

  it('carries the annotation namespaces as JSON, null when there are none', () => {
    const alert = samples[0]!.alert;
    expect(decodeMatchAvro(encodeMatchAvro(alert, target(false, false), matchedAt)).match.alert.annotations).toBeNull();
    const annotations = { xmatch: { gaia: { sep: 0.41, id: '4295806720', count: 1 } }, lc: { all: { ndet: 8 } }, anomaly: { score: 0.52, model: 'eif-v4' }, watchlist: { ada: ['sn2026abc'] } };
    const { match } = decodeMatchAvro(encodeMatchAvro({ ...alert, ...annotations }, target(false, false), matchedAt));
    expect(JSON.parse(match.alert.annotations!)).toEqual(annotations);
  });

  it('frames as 0x00, the big-endian schema id, then Avro binary the checked-in schema reads', () => {
    const alert = samples[0]!.alert;
    const bytes = encodeMatchAvro(alert, target(true, false), matchedAt, 0x01020304);
    expect([...bytes.subarray(0, 5)]).toEqual([0x00, 0x01, 0x02, 0x03, 0x04]);
    expect(decodeMatchAvro(bytes).schemaId).toBe(0x01020304);
    const consumerType = avro.Type.forSchema(JSON.parse(readFileSync(MATCH_SCHEMA_FILE, 'utf8')));
    const read = consumerType.fromBuffer(bytes.subarray(5)) as MatchAvro;
    expect(read.alert.alertId).toBe(alert.alertId);
    expect(read.alert.lightcurve).toEqual(alert.lightcurve);
    expect([...encodeMatchAvro(alert, target(false, false), matchedAt).subarray(0, 5)]).toEqual([0, 0, 0, 0x23, 0x29]);
  });

  it('rejects an alert the schema cannot hold, naming the field', () => {
    const alert = { ...samples[0]!.alert, ra: null } as unknown as Alert;
    expect(() => encodeMatchAvro(alert, target(false, false), matchedAt)).toThrow(expect.objectContaining({ code: 'MATCH_ENCODE_FAILED', details: expect.objectContaining({ paths: ['alert.ra'] }) }));
  });

  it('rejects bytes that are not a framed match', () => {
    const good = encodeMatchAvro(samples[0]!.alert, target(false, false), matchedAt);
    for (const bad of [Buffer.from('{"filter":{}}'), good.subarray(0, 5), good.subarray(0, good.length - 3), Buffer.concat([good, Buffer.from([7])])]) {
      expect(() => decodeMatchAvro(bad)).toThrow(NightjarError);
      expect(() => decodeMatchAvro(bad)).toThrow(expect.objectContaining({ code: 'MATCH_DECODE_INVALID' }));
    }
  });
});

describe('matchRecord output formats', () => {
  it('writes Avro with its content type when the filter version asks for avro', () => {
    const { alert } = samples[0]!;
    const record = matchRecord(alert, target(true, false), matchedAt, alertToJSON);
    expect(record.key).toBe(alert.objectId);
    expect(record.headers).toEqual({ 'nightjar-filter-id': 'bright-new-transients', 'nightjar-filter-version': '3', 'content-type': MATCH_CONTENT_TYPE });
    expect(Buffer.isBuffer(record.value)).toBe(true);
    const { schemaId, match } = decodeMatchAvro(record.value as Buffer);
    expect(schemaId).toBe(MATCH_SCHEMA_ID);
    expectSameAlert(match.alert, alert, true, false);
    expect(decodeMatchAvro(matchRecord(alert, target(false, false), matchedAt, alertToJSON, 42).value as Buffer).schemaId).toBe(42);
  });

  it('keeps JSON for json output', () => {
    const { alert } = samples[0]!;
    const json = { ...target(false, false), output: { format: 'json' as const, lightcurve: false, cutouts: false } };
    const record = matchRecord(alert, json, matchedAt, alertToJSON);
    expect(record.headers['content-type']).toBe('application/json');
    const body = JSON.parse(record.value as string);
    expect(body.filter).toEqual({ id: 'bright-new-transients', version: 3, owner: 'ada' });
    expect(body.alert.alertId).toBe(alert.alertId);
    expect(body.alert.lightcurve).toBeUndefined();
  });

  it('writes the text JSON.stringify gives, serialising a shared alert once per output choice', () => {
    const { alert } = samples[0]!;
    let serialised = 0;
    const counting = (a: Alert, opts: { lightcurve: boolean; cutouts: boolean }) => {
      serialised++;
      return alertToJSON(a, opts);
    };
    const text = new AlertText(alert, counting);
    const json = (lightcurve: boolean) => ({ ...target(lightcurve, false), output: { format: 'json' as const, lightcurve, cutouts: false } });
    const values = [json(true), json(false), json(true), json(false), json(true)].map((t) => matchRecord(alert, t, matchedAt, text).value);
    expect(serialised).toBe(2);
    for (const [i, lightcurve] of [true, false].entries()) {
      const body = { filter: { id: 'bright-new-transients', version: 3, owner: 'ada' }, matchedAt: matchedAt.toISOString(), alert: alertToJSON(alert, { lightcurve, cutouts: false }) };
      expect(values[i]).toBe(JSON.stringify(body));
    }
    expect(text.get({ lightcurve: true, cutouts: false })).toBe(JSON.stringify(alertToJSON(alert, { lightcurve: true, cutouts: false })));
  });
});

describe('resolveMatchSchemaId', () => {
  it('uses the documented constant without a schema registry', async () => {
    await expect(resolveMatchSchemaId({ schemaRegistry: { url: '' } }, 'nightjar.user.ada')).resolves.toBe(9001);
  });

  /** A stand-in for a Confluent Schema Registry: the three calls registering a new subject makes. */
  describe('with a schema registry (in-process stand-in)', () => {
    let server: Server;
    let url: string;
    const requests: { method: string; url: string; body: string }[] = [];
    let failing = false;

    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk) => (body += chunk));
        req.on('end', () => {
          requests.push({ method: req.method!, url: req.url!, body });
          res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
          if (failing) res.writeHead(500).end(JSON.stringify({ error_code: 50001, message: 'Error in the backend data store' }));
          else if (req.method === 'GET' && req.url!.startsWith('/config/')) res.writeHead(404).end(JSON.stringify({ error_code: 40408, message: 'Subject does not have subject-level compatibility configured' }));
          else if (req.method === 'PUT' && req.url!.startsWith('/config/')) res.end(JSON.stringify({ compatibility: 'BACKWARD' }));
          else if (req.method === 'POST' && /^\/subjects\/[^/]+\/versions$/.test(req.url!)) res.end(JSON.stringify({ id: 42 }));
          else res.writeHead(404).end(JSON.stringify({ error_code: 404, message: 'not found' }));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('registers the match schema under <topic>-value once and uses the returned id', async () => {
      requests.length = 0;
      const config = { schemaRegistry: { url } };
      expect(await resolveMatchSchemaId(config, 'nightjar.user.ada')).toBe(42);
      expect(await resolveMatchSchemaId(config, 'nightjar.user.ada')).toBe(42);
      const posts = requests.filter((r) => r.method === 'POST');
      expect(posts.map((r) => r.url)).toEqual(['/subjects/nightjar.user.ada-value/versions']);
      expect(JSON.parse(JSON.parse(posts[0]!.body).schema)).toEqual(matchAvroSchema());
    });

    it('makes the worker frame Avro matches with the registry\'s id', async () => {
      const config = loadConfig({ env: {}, overrides: { schemaRegistry: { url } } });
      const alert = samples[0]!.alert;
      const target: MatchTarget = { filterId: 'avro-out', version: 1, owner: 'cy', topic: 'nightjar.user.cy', output: { format: 'avro', lightcurve: false, cutouts: false } };
      const stage = new WorkerStage(config, { decode: async () => [{ ok: true, alert, index: 0 }], match: () => [target], toJSON: (a, opts) => alertToJSON(a, opts) }, silentLogger(), createMetricsRegistry({ processMetrics: false }));
      const out = await stage.process([{ topic: 'ztf-alerts', partition: 0, offset: '7', key: null, value: Buffer.from('x'), headers: {}, timestamp: String(Date.now()) }]);
      const match = out.find((r) => r.topic === 'nightjar.user.cy')!;
      const decoded = decodeMatchAvro(match.value as Buffer);
      expect(decoded.schemaId).toBe(42);
      expect(decoded.match.alert.alertId).toBe(alert.alertId);
    });

    it('fails retriably when the registry errs, and tries again next time', async () => {
      failing = true;
      const config = { schemaRegistry: { url } };
      await expect(resolveMatchSchemaId(config, 'nightjar.user.bob')).rejects.toMatchObject({ code: 'SCHEMA_REGISTRY_UNAVAILABLE', retriable: true });
      failing = false;
      expect(await resolveMatchSchemaId(config, 'nightjar.user.bob')).toBe(42);
    });
  });
});
