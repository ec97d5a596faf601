/**
 * Avro Object Container Files (ZTF sends one container per Kafka message): the header (magic
 * `Obj\x01`, metadata map with `avro.schema` and `avro.codec`, 16-byte sync marker), then blocks
 * of `count`, `size`, `size` bytes of (possibly compressed) records and the sync marker again.
 * Codecs: null, deflate (raw zlib), snappy (each block ends with the CRC32 of its uncompressed
 * bytes, big-endian).
 */
import { crc32, inflateRawSync } from 'node:zlib';
import avro from 'avsc';
import snappy from 'snappy';
import { NightjarError } from '../../errors/index.js';
import { guardedTypeHook } from './guard.js';

export const OCF_MAGIC = Buffer.from('Obj\x01', 'latin1');
const SYNC_BYTES = 16;
/** The header's metadata map holds a few keys; the schema text is its largest value. */
const HEADER_LIMITS = { maxArrayLength: 1_000 };

const headerType = avro.Type.forSchema(
  {
    type: 'record',
    name: 'org.apache.avro.file.Header',
    fields: [
      { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
      { name: 'meta', type: { type: 'map', values: 'bytes' } },
      { name: 'sync', type: { type: 'fixed', name: 'Sync', size: SYNC_BYTES } },
    ],
  },
  { typeHook: guardedTypeHook(HEADER_LIMITS) as avro.ForSchemaOptions['typeHook'] },
);
const longType = avro.Type.forSchema('long');

export interface OcfHeader {
  /** The writer schema's JSON text, as bytes. */
  schemaBytes: Buffer;
  codec: string;
  sync: Buffer;
  /** Offset of the first block. */
  dataOffset: number;
}

export interface OcfBlock {
  count: number;
  /** The block's records, decompressed. */
  data: Buffer;
}

export function parseOcfHeader(buf: Buffer): OcfHeader {
  const { value, offset } = decodeAt(headerType, buf, 0, 'container header');
  const meta = (value as { meta: Record<string, Buffer> }).meta;
  const schemaBytes = meta['avro.schema'];
  if (!schemaBytes) throw new NightjarError('DECODE_SCHEMA_INVALID', 'the container header has no avro.schema');
  const codec = meta['avro.codec']?.toString('utf8') ?? 'null';
  if (!['null', 'deflate', 'snappy'].includes(codec)) throw new NightjarError('DECODE_UNSUPPORTED_CODEC', `the container uses codec ${codec}; Nightjar reads null, deflate and snappy`);
  return { schemaBytes, codec, sync: (value as { sync: Buffer }).sync, dataOffset: offset };
}

/** The container's blocks in order; checks every sync marker and decompresses each block. */
export function* ocfBlocks(buf: Buffer, header: OcfHeader): Generator<OcfBlock> {
  let pos = header.dataOffset;
  while (pos < buf.length) {
    const count = decodeAt(longType, buf, pos, 'block count');
    const size = decodeAt(longType, buf, count.offset, 'block size');
    const blockCount = count.value as number;
    const blockSize = size.value as number;
    if (blockCount < 0 || blockSize < 0) throw new NightjarError('DECODE_CORRUPT_BLOCK', `the block at byte ${pos} declares a negative count or size`);
    const end = size.offset + blockSize;
    if (end + SYNC_BYTES > buf.length) throw new NightjarError('DECODE_TRUNCATED', `the block at byte ${pos} ends after the message (${buf.length} bytes)`);
    if (!buf.subarray(end, end + SYNC_BYTES).equals(header.sync)) throw new NightjarError('DECODE_CORRUPT_BLOCK', `bad sync marker after the block at byte ${pos}`);
    yield { count: blockCount, data: decompress(header.codec, buf.subarray(size.offset, end), pos) };
    pos = end + SYNC_BYTES;
  }
}

function decompress(codec: string, block: Buffer, at: number): Buffer {
  if (codec === 'null') return block;
  try {
    return codec === 'deflate' ? inflateRawSync(block) : unsnappy(block);
  } catch (err) {
    if (err instanceof NightjarError) throw err;
    throw new NightjarError('DECODE_CORRUPT_BLOCK', `the ${codec} block at byte ${at} does not decompress: ${(err as Error).message}`, { cause: err });
  }
}

function unsnappy(block: Buffer): Buffer {
  if (block.length < 4) throw new NightjarError('DECODE_CORRUPT_BLOCK', 'a snappy block is shorter than its checksum');
  const data = snappy.uncompressSync(block.subarray(0, block.length - 4)) as Buffer;
  const expected = block.readUInt32BE(block.length - 4);
  if (crc32(data) >>> 0 !== expected) throw new NightjarError('DECODE_CORRUPT_BLOCK', 'a snappy block fails its CRC32 check');
  return data;
}

/** Decodes one value at `pos`: DECODE_TRUNCATED when the bytes end inside it, DECODE_AVRO_INVALID when they make no sense. */
export function decodeAt(type: avro.Type, buf: Buffer, pos: number, what: string): { value: unknown; offset: number } {
  let result: { value: unknown; offset: number };
  try {
    result = type.decode(buf, pos);
  } catch (err) {
    if (err instanceof NightjarError) throw err;
    throw new NightjarError('DECODE_AVRO_INVALID', `the ${what} is not valid Avro: ${(err as Error).message}`, { cause: err });
  }
  if (result.offset < 0) throw new NightjarError('DECODE_TRUNCATED', `the message ends inside the ${what}`);
  return result;
}
