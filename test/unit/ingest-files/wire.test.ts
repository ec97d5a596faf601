import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  compileWriterSchema,
  confluentFrame,
  confluentPayload,
  confluentSchemaId,
  decodeRubin,
  detectWireFormat,
  encodeRubin,
  fitRubinRecord,
  loadRubinSchemas,
  ocfRecords,
  parseOcfHeader,
  rubinSchemaId,
  splitOcf,
  stripMismatchedDefaults,
} from '../../../src/ingest/wire.js';
import { DATA, LSST_SCHEMAS, manifest, rowsOf } from './data.js';

const read = (path: string): Buffer => readFileSync(`${DATA}${path}`);

describe('splitOcf', () => {
  it('splits the 11-record ZTF container into 11 single-record containers with the manifest candids, in order', () => {
    const path = 'ztf/alerts/avro_multi_alerts.avro';
    const original = read(path);
    const parts = splitOcf(original);
    const expected = rowsOf(path);
    expect(parts).toHaveLength(11);
    expect(parts.map((part) => String(ocfRecords(part)[0]!.candid))).toEqual(expected.map((row) => row.alertId));
    expect(parts.map((part) => ocfRecords(part)[0]!.objectId)).toEqual(expected.map((row) => row.objectId));
    for (const part of parts) {
      const header = parseOcfHeader(part);
      expect(header.schemaText).toBe(parseOcfHeader(original).schemaText);
      expect(header.codec).toBe('null');
      expect(ocfRecords(part)).toHaveLength(1);
    }
    const originals = ocfRecords(original);
    parts.forEach((part, i) => expect(ocfRecords(part)[0]).toEqual(originals[i]));
  });

  it('keeps 64-bit ids above 2^53 exact through the split', () => {
    const [part] = splitOcf(read('ztf/alerts/ztf_20250302_programid1_ZTF17aaarzyp_2982177112815010003.v4_02.avro'));
    expect(ocfRecords(part!)[0]!.candid).toBe(2982177112815010003n);
  });

  it('reads ZTF 3.3 containers whose union defaults avsc would refuse', () => {
    const bytes = read('ztf/alerts/ZTF19acihgng.avro');
    const header = parseOcfHeader(bytes);
    expect(() => avro.Type.forSchema(header.schema as avro.Schema)).toThrow();
    expect(String(ocfRecords(bytes)[0]!.candid)).toBe(rowsOf('ztf/alerts/ZTF19acihgng.avro')[0]!.alertId);
    expect(compileWriterSchema(header.schemaText)).toBe(compileWriterSchema(header.schemaText));
  });

  it('rejects bytes that are not a container, and a truncated container, with catalogue codes', () => {
    expect(() => splitOcf(Buffer.from('not avro at all'))).toThrow(expect.objectContaining({ code: 'DECODE_UNKNOWN_FORMAT' }));
    const bytes = read('ztf/alerts/ZTF19acxxwrs.avro');
    expect(() => splitOcf(bytes.subarray(0, bytes.length - 1000))).toThrow(expect.objectContaining({ code: 'DECODE_TRUNCATED' }));
  });
});

describe('stripMismatchedDefaults', () => {
  it('drops only union defaults that do not match the first branch', () => {
    const schema = {
      type: 'record',
      name: 'r',
      fields: [
        { name: 'a', type: ['float', 'null'], default: null },
        { name: 'b', type: ['null', 'float'], default: null },
        { name: 'c', type: { type: 'record', name: 'n', fields: [{ name: 'd', type: ['int', 'null'], default: null }] } },
      ],
    };
    const out = stripMismatchedDefaults(schema) as { fields: Record<string, unknown>[] };
    expect('default' in out.fields[0]!).toBe(false);
    expect(out.fields[1]!.default).toBeNull();
    expect('default' in (out.fields[2]!.type as { fields: Record<string, unknown>[] }).fields[0]!).toBe(false);
    expect(schema.fields[0]!.default).toBeNull();
  });
});

describe('Confluent framing', () => {
  it('round-trips the schema id and payload', () => {
    const payload = Buffer.from([1, 2, 3, 250]);
    const framed = confluentFrame(1101, payload);
    expect([...framed.subarray(0, 5)]).toEqual([0, 0, 0, 4, 77]);
    expect(confluentSchemaId(framed)).toBe(1101);
    expect(confluentPayload(framed).equals(payload)).toBe(true);
  });

  it('reads the schema ids of the real Rubin files and re-frames them byte for byte', () => {
    for (const version of ['9_0', '10_0', '11_0', '11_1']) {
      const bytes = read(`lsst/alerts/sample.lsst.v${version}.avro`);
      const id = confluentSchemaId(bytes)!;
      expect(id).toBe(rubinSchemaId(version.replace('_', '.')));
      expect(confluentFrame(id, confluentPayload(bytes)).equals(bytes)).toBe(true);
    }
  });

  it('says null for bytes that are not Confluent framing', () => {
    expect(confluentSchemaId(read('ztf/alerts/ZTF19acxxwrs.avro'))).toBeNull();
    expect(confluentSchemaId(Buffer.from([0, 0, 0]))).toBeNull();
    expect(() => confluentFrame(-1, Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe('detectWireFormat', () => {
  it('matches the manifest survey and framing of every real file', () => {
    const seen = new Set<string>();
    for (const row of manifest()) {
      if (seen.has(row.path)) continue;
      seen.add(row.path);
      const format = detectWireFormat(read(row.path));
      expect(format?.survey, row.path).toBe(row.survey);
      expect(format?.framing, row.path).toBe(row.format.startsWith('ocf') ? 'ocf' : 'confluent');
    }
    expect(detectWireFormat(Buffer.from('{"json": true}'))).toBeNull();
  });
});

describe('Rubin schemas and fitting re-published records', () => {
  const schemas = loadRubinSchemas(LSST_SCHEMAS);

  it('loads every version with its Confluent id', () => {
    expect([...schemas.values()].map((s) => s.schemaId).sort()).toEqual([1000, 1100, 1101, 900]);
  });

  it('decodes the real Confluent alerts with exact 64-bit ids', () => {
    const record = decodeRubin(schemas, read('lsst/alerts/7912941781254298.avro'));
    expect(record.diaSourceId).toBe(7912941781254298n);
    const sample = decodeRubin(schemas, read('lsst/alerts/sample.lsst.v11_1.avro'));
    expect((sample.diaObject as { diaObjectId: bigint }).diaObjectId).toBe(281323062375219201n);
    expect(() => decodeRubin(schemas, confluentFrame(4200, Buffer.alloc(10)))).toThrow(expect.objectContaining({ code: 'DECODE_UNKNOWN_SCHEMA' }));
  });

  it("fits Fink's Spark-written records to Rubin 10.0, keeping ids, history and cutouts", () => {
    const path = 'lsst/alerts/fink_rubin_4alerts.avro';
    const records = ocfRecords(read(path));
    const rows = rowsOf(path);
    records.forEach((source, i) => {
      const fit = fitRubinRecord(schemas, source);
      if (!fit.ok) throw new Error(fit.reason);
      expect(fit.schema.version).toBe('10.0');
      const back = decodeRubin(schemas, encodeRubin(fit.schema, fit.record));
      expect(String(back.diaSourceId)).toBe(rows[i]!.alertId);
      const diaSource = back.diaSource as Record<string, unknown>;
      expect(String(diaSource.diaObjectId)).toBe(rows[i]!.objectId);
      expect(diaSource.ra).toBe(rows[i]!.ra);
      expect((back.prvDiaSources as unknown[] | null)?.length ?? 0).toBe((source.prvDiaSources as unknown[] | null)?.length ?? 0);
      expect(Buffer.compare(back.cutoutScience as Buffer, source.cutoutScience as Buffer)).toBe(0);
      expect('lc_features' in back).toBe(false);
    });
    // Fink writes an absent diaObject as a record of nulls; Rubin's schema says null.
    const solarSystemFit = fitRubinRecord(schemas, records[3]!);
    expect(solarSystemFit.ok && solarSystemFit.record.diaObject).toBeNull();
  });

  it('explains why a record fits no bundled version', () => {
    const fit = fitRubinRecord(schemas, { diaSourceId: null, diaSource: null });
    expect(fit.ok).toBe(false);
    expect(!fit.ok && fit.reason).toMatch(/11\.1: .*invalid/);
  });
});
