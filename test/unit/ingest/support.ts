/** Real alert files (../shared/data, see its README) and helpers for the ingest decoder tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { crc32, deflateRawSync } from 'node:zlib';
import avro from 'avsc';
import snappy from 'snappy';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { AlertDecoder, type DecodeOutcome } from '../../../src/ingest/index.js';
import { parseOcfHeader } from '../../../src/ingest/decode/ocf.js';
import { ocfRecordBytes } from '../../../src/ingest/wire.js';

export const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;

export interface AlertFile {
  /** Path relative to DATA, as in MANIFEST.tsv. */
  file: string;
  bytes: Buffer;
}

export function realFiles(): AlertFile[] {
  return (['ztf', 'lsst'] as const).flatMap((survey) =>
    readdirSync(`${DATA}${survey}/alerts`)
      .sort()
      .map((name) => ({ file: `${survey}/alerts/${name}`, bytes: readFileSync(`${DATA}${survey}/alerts/${name}`) })),
  );
}

export function realFile(file: string): Buffer {
  return readFileSync(DATA + file);
}

export interface ManifestRow {
  path: string;
  survey: string;
  objectId: string;
  alertId: string;
  ra: number;
  dec: number;
  band: string;
}

export function manifest(): ManifestRow[] {
  const [head, ...lines] = readFileSync(`${DATA}MANIFEST.tsv`, 'utf8').trim().split('\n');
  const columns = head!.split('\t');
  return lines.map((line) => {
    const cells = Object.fromEntries(line.split('\t').map((cell, i) => [columns[i], cell]));
    return { path: cells.path!, survey: cells.survey!, objectId: cells.objectId!, alertId: cells.alertId!, ra: Number(cells.ra), dec: Number(cells.dec), band: cells.band! };
  });
}

export function testConfig(ingest: Partial<Config['ingest']> = {}, schemaRegistryUrl = ''): Config {
  return loadConfig({ env: {}, overrides: { log: { level: 'silent' }, ingest, schemaRegistry: { url: schemaRegistryUrl } } });
}

export function newDecoder(ingest: Partial<Config['ingest']> = {}): AlertDecoder {
  return new AlertDecoder({ config: testConfig(ingest) });
}

export function okAlerts(outcomes: DecodeOutcome[]) {
  return outcomes.map((o) => {
    if (!o.ok) throw o.error;
    return o.alert;
  });
}

export function errorCodes(outcomes: DecodeOutcome[]): string[] {
  return outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.error.code));
}

const headerType = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const longType = avro.Type.forSchema('long');

/**
 * Re-writes a real container with `codec`, `perBlock` records per block, record bytes unchanged:
 * a container as another producer would write it.
 */
export function recompress(container: Buffer, codec: 'null' | 'deflate' | 'snappy', perBlock = 1): Buffer {
  const header = parseOcfHeader(container);
  const records = ocfRecordBytes(container);
  const meta = { 'avro.schema': header.schemaBytes, 'avro.codec': Buffer.from(codec) };
  const sync = Buffer.from('0123456789abcdef');
  const parts = [headerType.toBuffer({ magic: Buffer.from('Obj\x01', 'latin1'), meta, sync })];
  for (let i = 0; i < records.length; i += perBlock) {
    const chunk = records.slice(i, i + perBlock);
    const data = Buffer.concat(chunk);
    const body = codec === 'deflate' ? deflateRawSync(data) : codec === 'snappy' ? snappyBlock(data) : data;
    parts.push(longType.toBuffer(chunk.length), longType.toBuffer(body.length), body, sync);
  }
  return Buffer.concat(parts);
}

function snappyBlock(data: Buffer): Buffer {
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(data) >>> 0);
  return Buffer.concat([snappy.compressSync(data), checksum]);
}
