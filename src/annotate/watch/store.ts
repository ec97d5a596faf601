import type { Kafka } from 'kafkajs';
import type { Config } from '../../config/index.js';
import { NightjarError } from '../../errors/index.js';
import { StateTopic } from '../../kafka/state-topic.js';
import type { Logger } from '../../log/logger.js';
import { encodeWatchlist, type WatchlistManifest } from './chunks.js';
import { DEFAULT_MAX_ENTRIES, entryCount, type WatchlistEntries } from './entries.js';
import { checkWatchName, manifestKey, mapKey, parseWatchKey } from './names.js';
import { parseWatchValue, type WatchmapRecord, type WatchRecord, type WatchValue } from './records.js';
import { regionOf, type RegionSpec } from './regions.js';

export interface WatchStoreOptions {
  maxEntries?: number;
  /** Largest chunk (bytes of JSON); tests make it small to get many chunks. */
  chunkBytes?: number;
  now?: () => Date;
}

/**
 * Writes watchlists and watchmaps to the compacted watchlists topic, reading what is there
 * first (so versions only grow and stale chunks are found). A new list version is published
 * chunks first, manifest second, then the previous version's chunks are tombstoned: a follower
 * switches only once the manifest and every chunk it names have arrived, so it never loads a
 * half-written list, and compaction eventually drops the old chunks.
 */
export class WatchStore {
  private readonly maxEntries: number;
  private readonly chunkBytes: number | undefined;
  private readonly now: () => Date;

  constructor(
    private readonly topic: StateTopic<WatchValue>,
    options: WatchStoreOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.chunkBytes = options.chunkBytes;
    this.now = options.now ?? (() => new Date());
  }

  /** A store on the configured topic, caught up with it. Chunks are not decoded (only their keys matter here). */
  static async open(kafka: Kafka, config: Config, logger: Logger, options: WatchStoreOptions = {}): Promise<WatchStore> {
    const topic = new StateTopic<WatchValue>({ kafka, topic: config.topics.watchlists, logger, parse: (value, key) => parseWatchValue(value, key, true) });
    await topic.start();
    return new WatchStore(topic, options);
  }

  close(): Promise<void> {
    return this.topic.stop();
  }

  async addWatchlist(owner: string, name: string, entries: WatchlistEntries): Promise<WatchlistManifest> {
    checkWatchName('owner', owner, 'WATCHLIST_INVALID');
    checkWatchName('watchlist name', name, 'WATCHLIST_INVALID');
    const count = entryCount(entries);
    if (count === 0) throw new NightjarError('WATCHLIST_INVALID', 'a watchlist needs at least one entry');
    if (count > this.maxEntries) throw new NightjarError('WATCHLIST_INVALID', `the list has ${count} entries; the limit is ${this.maxEntries}`, { details: { maxEntries: this.maxEntries } });
    const version = this.nextVersion(owner, name);
    const { manifest, chunks } = encodeWatchlist(owner, name, version, entries, this.now(), this.chunkBytes);
    for (const chunk of chunks) await this.send(`${owner}/${name}/v${version}/${chunk.index}`, chunk, false);
    await this.send(manifestKey(owner, name), manifest, true);
    await this.tombstoneChunks(owner, name, version);
    return manifest;
  }

  /** Marks the list deleted (its manifest stays, so versions keep growing) and tombstones its chunks. */
  async deleteWatchlist(owner: string, name: string): Promise<WatchlistManifest> {
    const previous = this.manifest(owner, name);
    if (!previous || previous.deleted) throw new NightjarError('NOT_FOUND', `watchlist ${name} of ${owner} does not exist`);
    const manifest: WatchlistManifest = { ...previous, version: previous.version + 1, chunks: 0, entries: 0, maxRadius: 0, updatedAt: this.now().toISOString(), deleted: true };
    await this.send(manifestKey(owner, name), manifest, true);
    await this.tombstoneChunks(owner, name, manifest.version);
    return manifest;
  }

  listWatchlists(owner: string): WatchlistManifest[] {
    const out: WatchlistManifest[] = [];
    for (const [, value] of this.topic.entries()) {
      if (value.kind === 'manifest' && value.record.owner === owner && !value.record.deleted) out.push(value.record);
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async addWatchmap(owner: string, name: string, region: RegionSpec, source: string, skyFraction: number): Promise<WatchmapRecord> {
    checkWatchName('owner', owner, 'WATCHMAP_INVALID');
    checkWatchName('watchmap name', name, 'WATCHMAP_INVALID');
    regionOf(region); // refuse what followers could not load
    const record: WatchmapRecord = { kind: 'watchmap', owner, name, updatedAt: this.now().toISOString(), source, skyFraction, region };
    await this.send(mapKey(owner, name), record, true);
    return record;
  }

  async deleteWatchmap(owner: string, name: string): Promise<void> {
    if (this.topic.get(mapKey(owner, name))?.kind !== 'map') throw new NightjarError('NOT_FOUND', `watchmap ${name} of ${owner} does not exist`);
    await this.topic.publish(mapKey(owner, name), null);
  }

  listWatchmaps(owner: string): WatchmapRecord[] {
    const out: WatchmapRecord[] = [];
    for (const [, value] of this.topic.entries()) if (value.kind === 'map' && value.record.owner === owner) out.push(value.record);
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  private manifest(owner: string, name: string): WatchlistManifest | undefined {
    const value = this.topic.get(manifestKey(owner, name));
    return value?.kind === 'manifest' ? value.record : undefined;
  }

  private nextVersion(owner: string, name: string): number {
    return (this.manifest(owner, name)?.version ?? 0) + 1;
  }

  /** Tombstones every chunk of the list that does not belong to `keep`. */
  private async tombstoneChunks(owner: string, name: string, keep: number): Promise<void> {
    for (const [key] of this.topic.entries()) {
      const parsed = parseWatchKey(key);
      if (parsed?.kind === 'chunk' && parsed.owner === owner && parsed.list === name && parsed.version !== keep) await this.topic.publish(key, null, { waitApplied: false });
    }
  }

  /**
   * The state topic is typed by what followers keep (WatchValue), but what goes on the wire is
   * the record itself; the follower's parse turns one into the other.
   */
  private send(key: string, record: WatchRecord, waitApplied: boolean): Promise<void> {
    return this.topic.publish(key, record as unknown as WatchValue, { waitApplied });
  }
}
