import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { DecodeOutcome } from '../../../src/ingest/index.js';
import { parseOcfHeader } from '../../../src/ingest/decode/ocf.js';
import { confluentFrame, decodeRubin, loadRubinSchemas } from '../../../src/ingest/wire.js';
import { errorCodes, newDecoder, okAlerts, realFile, realFiles, recompress } from './support.js';

const decoder = newDecoder();
const GOOD = realFile('ztf/alerts/ZTF19acxxwrs.avro');
const GOOD_RUBIN = realFile('lsst/alerts/sample.lsst.v11_1.avro');

/** Decodes a hostile message, then checks the decoder still reads good ones. */
async function hostile(bytes: Uint8Array, d = decoder): Promise<string[]> {
  let outcomes: DecodeOutcome[] = [];
  await expect((async () => (outcomes = await d.decodeMessage(bytes)))()).resolves.toBeDefined();
  expect(okAlerts(await d.decodeMessage(GOOD))[0]!.alertId).toBe('1079453312715015005');
  expect(okAlerts(await d.decodeMessage(GOOD_RUBIN))[0]!.alertId).toBe('281323062375219200');
  return errorCodes(outcomes);
}

function zigzagVarint(n: bigint): Buffer {
  let z = n >= 0n ? n << 1n : (-n << 1n) - 1n;
  const out: number[] = [];
  do {
    let byte = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) byte |= 0x80;
    out.push(byte);
  } while (z > 0n);
  return Buffer.from(out);
}

/** Seeded bytes (xorshift), so a failure reproduces. */
function randomBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/**
 * The real v11.1 sample with its prvDiaSources array's first block count replaced by `count`:
 * every byte the schema demands is in place, only the declared length is absurd.
 */
function withArrayCount(count: bigint): Buffer {
  const schema = loadRubinSchemas(new URL('../../../schemas/lsst/', import.meta.url).pathname).get('11.1')!;
  const record = decodeRubin(new Map([['11.1', schema]]), GOOD_RUBIN);
  const empty = schema.type.toBuffer({ ...record, prvDiaSources: [] });
  const none = schema.type.toBuffer({ ...record, prvDiaSources: null });
  let at = 0;
  while (empty[at] === none[at]) at++;
  // `at` is the union branch index; the next byte is the array's terminating count 0.
  expect(empty[at + 1]).toBe(0);
  return confluentFrame(schema.schemaId, Buffer.concat([empty.subarray(0, at + 1), zigzagVarint(count), empty.subarray(at + 2)]));
}

describe('hostile and broken messages', () => {
  it('rejects 0 bytes', async () => {
    expect(await hostile(new Uint8Array(0))).toEqual(['DECODE_EMPTY']);
  });

  it('rejects a 40 MB message of valid-looking prefix before reading it', async () => {
    const big = Buffer.alloc(40 * 1024 * 1024);
    GOOD.copy(big);
    expect(await hostile(big)).toEqual(['DECODE_TOO_LARGE']);
  });

  it('fails cleanly on a 40 MB container that is allowed in but whose block never ends', async () => {
    const roomy = newDecoder({ maxMessageBytes: 64 * 1024 * 1024 });
    const big = Buffer.alloc(40 * 1024 * 1024, 0x55);
    GOOD.copy(big);
    expect(await hostile(big, roomy)).toEqual([expect.stringMatching(/^DECODE_(TRUNCATED|CORRUPT_BLOCK)$/)]);
  });

  it('rejects wrong magic and unknown first bytes', async () => {
    const wrongMagic = Buffer.from(GOOD);
    wrongMagic[3] = 0x02;
    expect(await hostile(wrongMagic)).toEqual(['DECODE_UNKNOWN_FORMAT']);
    expect(await hostile(Buffer.from('{"candid": 1}'))).toEqual(['DECODE_UNKNOWN_FORMAT']);
  });

  it('rejects a Confluent schema id that is not bundled (no registry configured)', async () => {
    const unknown = Buffer.from(GOOD_RUBIN);
    unknown.writeUInt32BE(4242, 1);
    const codes = await hostile(unknown);
    expect(codes).toEqual(['DECODE_UNKNOWN_SCHEMA']);
  });

  it('reports truncation of every real file cut at several points', async () => {
    for (const { file, bytes } of realFiles()) {
      for (const fraction of [0.001, 0.1, 0.37, 0.5, 0.9, 0.999]) {
        const cut = Math.max(8, Math.floor(bytes.length * fraction));
        const outcomes = await decoder.decodeMessage(bytes.subarray(0, cut));
        // A cut container keeps the records before the cut; the first broken one is reported.
        expect(errorCodes(outcomes), `${file} cut at ${cut}`).toEqual(['DECODE_TRUNCATED']);
      }
      expect(errorCodes(await decoder.decodeMessage(bytes.subarray(0, bytes.length - 1))), file).toEqual(['DECODE_TRUNCATED']);
    }
    expect(await hostile(Buffer.from([0, 0, 0]))).toEqual(['DECODE_TRUNCATED']);
  });

  it('refuses an absurd array length without allocating it', async () => {
    const before = process.memoryUsage().rss;
    expect(await hostile(withArrayCount(1n << 40n))).toEqual(['DECODE_OVERSIZED_FIELD']);
    expect(await hostile(withArrayCount(-(1n << 40n)))).toEqual(['DECODE_OVERSIZED_FIELD']);
    // Under the element limit but more elements than bytes left.
    expect(await hostile(withArrayCount(90_000n))).toEqual(['DECODE_TRUNCATED']);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('applies the configured element limit to real arrays', async () => {
    const strict = newDecoder({ maxArrayLength: 100 });
    const outcomes = await strict.decodeMessage(realFile('lsst/alerts/fink_rubin_4alerts.avro'));
    expect(errorCodes(outcomes)).toEqual(['DECODE_OVERSIZED_FIELD']);
  });

  it('refuses an absurd map length in a container header', async () => {
    const forged = Buffer.concat([Buffer.from('Obj\x01', 'latin1'), zigzagVarint(1n << 50n), Buffer.alloc(64)]);
    expect(await hostile(forged)).toEqual(['DECODE_OVERSIZED_FIELD']);
  });

  it('reports a container with a bad sync marker or a corrupt compressed block', async () => {
    const badSync = Buffer.from(GOOD);
    badSync[badSync.length - 3]! ^= 0xff;
    expect(await hostile(badSync)).toEqual(['DECODE_CORRUPT_BLOCK']);

    const deflated = recompress(realFile('ztf/alerts/avro_multi_alerts.avro'), 'deflate', 11);
    const corrupt = Buffer.from(deflated);
    // The first bytes of the block's deflate stream (after the count and size varints): 0xff is a reserved block type.
    const start = parseOcfHeader(deflated).dataOffset + 4;
    corrupt.fill(0xff, start, start + 16);
    expect(await hostile(corrupt)).toEqual(['DECODE_CORRUPT_BLOCK']);

    const snappied = recompress(GOOD, 'snappy');
    const crc = Buffer.from(snappied);
    crc[crc.length - 17]! ^= 0x01; // last byte of the block's CRC32
    expect(await hostile(crc)).toEqual(['DECODE_CORRUPT_BLOCK']);
  });

  it('keeps the records before garbage that inflates (raw deflate has no checksum) and reports the first bad one', async () => {
    const deflated = recompress(realFile('ztf/alerts/avro_multi_alerts.avro'), 'deflate', 11);
    const garbage = Buffer.from(deflated);
    // Cutout stamps are incompressible, so deflate stores them verbatim: bytes there inflate fine, wrongly.
    garbage.fill(0xff, garbage.length - 2000, garbage.length - 1000);
    const outcomes = await decoder.decodeMessage(garbage);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(10);
    expect(errorCodes(outcomes)).toEqual(['DECODE_AVRO_INVALID']);
    expect(outcomes.at(-1)!.index).toBe(10);
  });

  it('reports an unsupported codec and a writer schema that is not Avro', async () => {
    const header = avro.Type.forSchema({
      type: 'record',
      name: 'H',
      fields: [
        { name: 'magic', type: { type: 'fixed', name: 'M', size: 4 } },
        { name: 'meta', type: { type: 'map', values: 'bytes' } },
        { name: 'sync', type: { type: 'fixed', name: 'S', size: 16 } },
      ],
    });
    const container = (meta: Record<string, Buffer>) => Buffer.concat([header.toBuffer({ magic: Buffer.from('Obj\x01', 'latin1'), meta, sync: Buffer.alloc(16) })]);
    expect(await hostile(container({ 'avro.schema': Buffer.from('"long"'), 'avro.codec': Buffer.from('zstandard') }))).toEqual(['DECODE_UNSUPPORTED_CODEC']);
    expect(await hostile(container({ 'avro.schema': Buffer.from('{"type": "recrod"}') }))).toEqual(['DECODE_SCHEMA_INVALID']);
    expect(await hostile(container({ 'avro.schema': Buffer.from('not json') }))).toEqual(['DECODE_SCHEMA_INVALID']);
  });

  it('reports a record of neither survey', async () => {
    const type = avro.Type.forSchema({ type: 'record', name: 'other', fields: [{ name: 'x', type: 'int' }] });
    const foreign = recompressRecords(JSON.stringify(type.schema()), [type.toBuffer({ x: 1 })]);
    expect(await hostile(foreign)).toEqual(['DECODE_UNRECOGNISED_RECORD']);
  });

  it('dead-letters alerts that fail validation, by reason', async () => {
    const schema = loadRubinSchemas(new URL('../../../schemas/lsst/', import.meta.url).pathname).get('11.1')!;
    const record = decodeRubin(new Map([['11.1', schema]]), GOOD_RUBIN) as { diaSource: Record<string, unknown>; diaObject: Record<string, unknown> };
    const variant = (source: Record<string, unknown>, object = record.diaObject) => confluentFrame(1101, schema.type.toBuffer({ ...record, diaSource: { ...record.diaSource, ...source }, diaObject: object }));
    expect(await hostile(variant({ ra: 360 }))).toEqual(['VALIDATE_POSITION']);
    expect(await hostile(variant({ dec: -90.5 }))).toEqual(['VALIDATE_POSITION']);
    expect(await hostile(variant({ midpointMjdTai: 12.5 }))).toEqual(['VALIDATE_TIME']);
    expect(await hostile(variant({ diaObjectId: null, ssObjectId: null }, { ...record.diaObject, diaObjectId: 0n }))).toEqual(['VALIDATE_MISSING_ID']);
  });

  it('never throws on random bytes behind either framing', async () => {
    const allowed = /^(DECODE_[A-Z_]+|VALIDATE_[A-Z]+|NORMALISE_FAILED)$/;
    for (let seed = 1; seed <= 60; seed++) {
      const noise = randomBytes(seed, 64 + seed * 37);
      const framed = [noise, Buffer.concat([Buffer.from([0, 0, 0, 0x04, 0x4d]), noise]), Buffer.concat([GOOD.subarray(0, 200), noise])];
      for (const bytes of framed) {
        const outcomes = await decoder.decodeMessage(bytes);
        for (const code of errorCodes(outcomes)) expect(code).toMatch(allowed);
      }
    }
    expect(okAlerts(await decoder.decodeMessage(GOOD))).toHaveLength(1);
  });
});

function recompressRecords(schemaText: string, records: Buffer[]): Buffer {
  const header = avro.Type.forSchema({
    type: 'record',
    name: 'H',
    fields: [
      { name: 'magic', type: { type: 'fixed', name: 'M', size: 4 } },
      { name: 'meta', type: { type: 'map', values: 'bytes' } },
      { name: 'sync', type: { type: 'fixed', name: 'S', size: 16 } },
    ],
  });
  const long = avro.Type.forSchema('long');
  const sync = Buffer.alloc(16, 7);
  const data = Buffer.concat(records);
  return Buffer.concat([header.toBuffer({ magic: Buffer.from('Obj\x01', 'latin1'), meta: { 'avro.schema': Buffer.from(schemaText) }, sync }), long.toBuffer(records.length), long.toBuffer(data.length), data, sync]);
}
