import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import type { Column, StringColumn } from '../sky/columns.js';
import type { SkyIndex } from '../sky/sky-index.js';
import type { CatalogConfig } from './types.js';

/**
 * The disk cache of a built index: a magic, a JSON header, then the typed arrays verbatim,
 * each starting on an 8-byte boundary so they can be viewed in place after one read.
 * The header's key hashes the source file's size and mtime and the catalog config, so a
 * changed file or config rebuilds instead of serving stale matches.
 */
const MAGIC = 'NJSKYIX2';
const ALIGN = 8;

type ArrayKind = 'f64' | 'u32' | 'u8';
interface Section {
  kind: ArrayKind;
  length: number;
}
interface Header {
  key: string;
  order: number;
  size: number;
  columns: { name: string; kind: Column['kind'] }[];
  sections: Section[];
}

export function cacheKey(config: CatalogConfig): string {
  const stat = statSync(config.file);
  const { name: _name, radiusArcsec: _radius, ...shape } = config; // name and radius do not change the index
  return createHash('sha256').update(JSON.stringify({ MAGIC, size: stat.size, mtimeMs: stat.mtimeMs, shape })).digest('hex');
}

export function writeIndexCache(file: string, key: string, index: SkyIndex): void {
  const arrays = indexArrays(index);
  const header: Header = {
    key,
    order: index.order,
    size: index.size,
    columns: Object.entries(index.columns).map(([name, c]) => ({ name, kind: c.kind })),
    sections: arrays.map((a) => ({ kind: kindOf(a), length: a.length })),
  };
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    let position = 0;
    const write = (bytes: Uint8Array): void => {
      position += writeSync(fd, bytes, 0, bytes.length, position);
      const pad = (ALIGN - (position % ALIGN)) % ALIGN;
      if (pad > 0) position += writeSync(fd, new Uint8Array(pad), 0, pad, position);
    };
    const headerBytes = Buffer.from(JSON.stringify(header));
    const prefix = Buffer.alloc(MAGIC.length + 4);
    prefix.write(MAGIC, 0, 'latin1');
    prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
    write(Buffer.concat([prefix, headerBytes]));
    for (const a of arrays) write(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** The cached index, or null when absent, unreadable, of another format or built from other input. */
export function readIndexCache(file: string, key: string): SkyIndex | null {
  if (!existsSync(file)) return null;
  const bytes = readWhole(file);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
  const headerLength = buf.readUInt32LE(MAGIC.length);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + headerLength)) as Header;
  } catch {
    return null;
  }
  if (header.key !== key) return null;
  let position = align(MAGIC.length + 4 + headerLength);
  const arrays: (Float64Array | Uint32Array | Uint8Array)[] = [];
  for (const s of header.sections) {
    const a = view(bytes.buffer, position, s);
    if (a === null) return null;
    arrays.push(a);
    position = align(position + a.byteLength);
  }
  return assemble(header, arrays);
}

function indexArrays(index: SkyIndex): (Float64Array | Uint32Array | Uint8Array)[] {
  const out: (Float64Array | Uint32Array | Uint8Array)[] = [index.pixels, index.x, index.y, index.z, index.ids.bytes, index.ids.offsets];
  for (const c of Object.values(index.columns)) {
    if (c.kind === 'number') out.push(c.values);
    else out.push(c.bytes, c.offsets);
  }
  return out;
}

function assemble(header: Header, arrays: (Float64Array | Uint32Array | Uint8Array)[]): SkyIndex | null {
  const next = <T>(): T => arrays.shift() as T;
  const index: SkyIndex = {
    order: header.order,
    size: header.size,
    pixels: next<Uint32Array>(),
    x: next<Float64Array>(),
    y: next<Float64Array>(),
    z: next<Float64Array>(),
    ids: { kind: 'string', bytes: next<Uint8Array>(), offsets: next<Uint32Array>() },
    columns: {},
  };
  for (const { name, kind } of header.columns) {
    index.columns[name] = kind === 'number' ? { kind, values: next<Float64Array>() } : ({ kind, bytes: next<Uint8Array>(), offsets: next<Uint32Array>() } as StringColumn);
  }
  const consistent = index.pixels.length === index.size && index.x.length === index.size && index.ids.offsets.length === index.size + 1;
  return consistent ? index : null;
}

function view(buffer: ArrayBufferLike, position: number, s: Section): Float64Array | Uint32Array | Uint8Array | null {
  const width = s.kind === 'f64' ? 8 : s.kind === 'u32' ? 4 : 1;
  if (position + s.length * width > buffer.byteLength) return null;
  if (s.kind === 'f64') return new Float64Array(buffer, position, s.length);
  if (s.kind === 'u32') return new Uint32Array(buffer, position, s.length);
  return new Uint8Array(buffer, position, s.length);
}

function kindOf(a: Float64Array | Uint32Array | Uint8Array): ArrayKind {
  return a instanceof Float64Array ? 'f64' : a instanceof Uint32Array ? 'u32' : 'u8';
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Reads into a fresh ArrayBuffer (offset 0), so every section is aligned for its typed array. */
function readWhole(file: string): Uint8Array {
  const size = statSync(file).size;
  const bytes = new Uint8Array(size);
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
