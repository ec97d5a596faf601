/**
 * Reads alert messages from files for `nightjar decode` and `nightjar replay`: single alert
 * files (one Kafka message each: a ZTF container or a Confluent-framed Rubin alert), directories
 * (walked recursively, sorted, regular files only) and .tar / .tar.gz / .tgz archives as ZTF
 * publishes them nightly, streamed member by member without extracting to disk.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { NightjarError } from '../errors/index.js';

export interface AlertFileMessage {
  /** The file path, or `archive!member` for a member of an archive. */
  source: string;
  bytes: Uint8Array;
}

export interface AlertFileError {
  source: string;
  error: NightjarError;
}

export type AlertFileItem = AlertFileMessage | AlertFileError;

export function isAlertFileError(item: AlertFileItem): item is AlertFileError {
  return 'error' in item;
}

/** Yields every message under `paths`, in order; a path that cannot be read yields an error item and reading goes on. */
export async function* readAlertMessages(paths: string[]): AsyncGenerator<AlertFileItem> {
  for (const path of paths) yield* readPath(path);
}

async function* readPath(path: string): AsyncGenerator<AlertFileItem> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    yield unreadable(path, err);
    return;
  }
  if (info.isDirectory()) yield* readDirectory(path);
  else if (!info.isFile()) yield unreadable(path, new Error('not a regular file or directory'));
  else if (isArchive(path)) yield* readArchive(path);
  else yield await readSingle(path);
}

async function* readDirectory(dir: string): AsyncGenerator<AlertFileItem> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    yield unreadable(dir, err);
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    // Symbolic links and special files are skipped: only regular files and real subdirectories.
    if (entry.isDirectory() || entry.isFile()) yield* readPath(join(dir, entry.name));
  }
}

async function readSingle(path: string): Promise<AlertFileItem> {
  try {
    return { source: path, bytes: await readFile(path) };
  } catch (err) {
    return unreadable(path, err);
  }
}

export function isArchive(path: string): boolean {
  return /\.(tar|tar\.gz|tgz)$/i.test(path);
}

async function* readArchive(path: string): AsyncGenerator<AlertFileItem> {
  const input: Readable = createReadStream(path);
  const extract = tar.extract();
  const gzipped = /\.(tar\.gz|tgz)$/i.test(path);
  const source = gzipped ? input.pipe(createGunzip()) : input;
  // Errors of the file or gunzip stream end the extraction with that error.
  const fail = (err: Error): void => void extract.destroy(err);
  input.on('error', fail);
  source.on('error', fail);
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const member = `${path}!${entry.header.name}`;
      if (entry.header.type !== 'file') {
        entry.resume();
        continue;
      }
      yield { source: member, bytes: await collect(entry as AsyncIterable<Buffer>) };
    }
  } catch (err) {
    yield unreadable(path, err);
  } finally {
    input.destroy();
  }
}

async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function unreadable(source: string, err: unknown): AlertFileError {
  const reason = err instanceof Error ? err.message : String(err);
  return { source, error: new NightjarError('INPUT_UNREADABLE', `cannot read ${source}: ${reason}`, { cause: err, details: { source } }) };
}
