import type { Kafka } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Alert } from '../../alert/types.js';
import type { Config } from '../../config/index.js';
import { StateTopic } from '../../kafka/state-topic.js';
import type { Logger } from '../../log/logger.js';
import { ang2pixNest } from '../sky/healpix.js';
import { isValidPosition, unitVector } from '../sky/sphere.js';
import { decodeChunk, type DecodedChunk, type WatchlistChunk, type WatchlistManifest } from './chunks.js';
import { DEFAULT_MAX_ENTRIES } from './entries.js';
import { buildWatchlistIndex, COARSE_ORDER, matchList, type WatchlistIndex } from './list-index.js';
import { chunkKey, manifestKey, parseWatchKey } from './names.js';
import { parseWatchValue, type WatchValue } from './records.js';
import type { Region } from './regions.js';
import { TimeSlicer } from './slices.js';
import './fields.js'; // the hits this state fills are catalogue fields

/** The shapes the filter language's `watchlist.hit("name")` and `inmap("name")` read. */
export interface WatchlistHit {
  owner: string;
  list: string;
  name: string;
  /** Separation from the entry (arcsec). */
  sep: number;
}

export interface WatchmapHit {
  owner: string;
  map: string;
}

export interface WatchStateOptions {
  kafka: Kafka;
  config: Config;
  logger: Logger;
  registry?: Registry;
  /** Lists with more entries are not loaded (they cannot be uploaded through Nightjar either). */
  maxEntries?: number;
  /** Hits reported per list per alert, nearest first. */
  maxHitsPerList?: number;
  /** Longest stretch a build runs before yielding to the event loop (ms). */
  sliceMs?: number;
  /** The followed topic; by default a StateTopic on topics.watchlists (tests pass an in-memory one). */
  topic?: WatchTopic;
}

/** What WatchState needs of a state-topic follower (StateTopic<WatchValue> is one). */
export interface WatchTopic {
  start(): Promise<void>;
  stop(): Promise<void>;
  get(key: string): WatchValue | undefined;
  on(event: 'change', listener: (key: string, value: WatchValue | undefined, previous: WatchValue | undefined) => void): unknown;
}

export interface WatchStats {
  lists: number;
  entries: number;
  maps: number;
  builds: number;
  /** Longest event-loop block of any build so far (ms). */
  longestBuildSliceMs: number;
}

interface LiveMap {
  owner: string;
  name: string;
  region: Region;
}

/**
 * Follows the watchlists topic and keeps every owner's watchlists as sky indexes and watchmaps
 * as ready regions; `annotate` fills `alert.watchlist.hits` and `alert.watchmap.hits` for all
 * owners (the filter stage picks the owner's own). A new list version is built in the
 * background, in event-loop slices, once its manifest and all its chunks have arrived, and
 * swapped in whole: an alert sees the old version or the new one, never a mixture.
 */
export class WatchState {
  readonly topic: WatchTopic;
  private readonly logger: Logger;
  private readonly lists = new Map<string, WatchlistIndex>();
  /** Coarse pixel → lists whose coverage includes it. */
  private router = new Map<number, WatchlistIndex[]>();
  private readonly maps = new Map<string, LiveMap>();
  private readonly queued = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private readonly maxEntries: number;
  private readonly maxHitsPerList: number;
  private readonly sliceMs: number;
  private builds = 0;
  private longestSliceMs = 0;
  private readonly metrics: ReturnType<typeof watchMetrics> | undefined;

  constructor(options: WatchStateOptions) {
    this.logger = options.logger.child({ component: 'watch' });
    this.maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
    this.maxHitsPerList = options.maxHitsPerList ?? 100;
    this.sliceMs = options.sliceMs ?? 8;
    this.metrics = options.registry ? watchMetrics(options.registry) : undefined;
    this.topic =
      options.topic ?? new StateTopic<WatchValue>({ kafka: options.kafka, topic: options.config.topics.watchlists, logger: options.logger, parse: (value, key) => parseWatchValue(value, key) });
    this.topic.on('change', (key, value) => this.onChange(key, value));
  }

  /** Follows the topic; resolves once everything on it at start is applied and built. */
  async start(): Promise<void> {
    await this.topic.start();
    await this.whenIdle();
  }

  stop(): Promise<void> {
    return this.topic.stop();
  }

  /** Resolves when no list build is queued or running. */
  async whenIdle(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }

  annotate(alerts: Alert[]): void {
    for (const alert of alerts) {
      alert.watchlist = { hits: this.listHits(alert.ra, alert.dec) };
      alert.watchmap = { hits: this.mapHits(alert.ra, alert.dec) };
    }
  }

  /** Version of a loaded list, or undefined when none is live. */
  loadedVersion(owner: string, list: string): number | undefined {
    return this.lists.get(manifestKey(owner, list))?.version;
  }

  hasMap(owner: string, name: string): boolean {
    return this.maps.has(`map:${owner}/${name}`);
  }

  stats(): WatchStats {
    let entries = 0;
    for (const list of this.lists.values()) entries += list.size;
    return { lists: this.lists.size, entries, maps: this.maps.size, builds: this.builds, longestBuildSliceMs: this.longestSliceMs };
  }

  private listHits(ra: number, dec: number): WatchlistHit[] {
    if (!isValidPosition(ra, dec)) return [];
    const candidates = this.router.get(ang2pixNest(COARSE_ORDER, ra, dec));
    if (!candidates) return [];
    const { x, y, z } = unitVector(ra, dec);
    const hits: WatchlistHit[] = [];
    for (const list of candidates) {
      for (const hit of matchList(list, x, y, z, this.maxHitsPerList)) hits.push({ owner: list.owner, list: list.name, name: hit.name, sep: hit.sep });
    }
    return hits;
  }

  private mapHits(ra: number, dec: number): WatchmapHit[] {
    if (!isValidPosition(ra, dec)) return [];
    const hits: WatchmapHit[] = [];
    for (const map of this.maps.values()) if (map.region.contains(ra, dec)) hits.push({ owner: map.owner, map: map.name });
    return hits;
  }

  private onChange(key: string, value: WatchValue | undefined): void {
    const parsed = parseWatchKey(key);
    if (!parsed) return;
    if (parsed.kind === 'map') {
      if (value?.kind === 'map' && value.region) this.maps.set(key, { owner: parsed.owner, name: parsed.name, region: value.region });
      else this.maps.delete(key);
      this.metrics?.maps.set(this.maps.size);
      return;
    }
    const listKey = manifestKey(parsed.owner, parsed.list);
    if (parsed.kind === 'manifest' && (value?.kind !== 'manifest' || value.record.deleted)) {
      this.unload(listKey);
      return;
    }
    this.schedule(listKey);
  }

  private schedule(listKey: string): void {
    if (this.queued.has(listKey)) return;
    this.queued.add(listKey);
    this.queue = this.queue.then(() => this.tryBuild(listKey)).catch((err: unknown) => this.logger.error({ list: listKey, err: (err as Error).message }, 'watchlist build failed'));
  }

  /** Builds the manifest's version if all its chunks are here and it is not live yet. */
  private async tryBuild(listKey: string): Promise<void> {
    this.queued.delete(listKey);
    const manifest = this.currentManifest(listKey);
    if (!manifest || this.lists.get(listKey)?.version === manifest.version) return;
    if (manifest.entries > this.maxEntries) {
      this.logger.warn({ list: listKey, entries: manifest.entries, maxEntries: this.maxEntries }, 'watchlist larger than the limit not loaded');
      return;
    }
    const records = this.chunksOf(manifest);
    if (!records) return; // more chunks to come; their arrival schedules this again
    const total = records.reduce((n, c) => n + c.count, 0);
    if (total !== manifest.entries) {
      this.logger.warn({ list: listKey, version: manifest.version, declared: manifest.entries, found: total }, 'watchlist chunks do not add up to the manifest; not loaded');
      return;
    }
    const began = performance.now();
    const slicer = new TimeSlicer(this.sliceMs);
    const chunks: DecodedChunk[] = [];
    for (const record of records) {
      chunks.push(decodeChunk(record)); // ≈1 ms per chunk: one per slice at most
      await slicer.pause();
    }
    const { index, longestSliceMs } = await buildWatchlistIndex({ owner: manifest.owner, name: manifest.name, version: manifest.version }, chunks, slicer);
    this.recordBuild(longestSliceMs);
    const still = this.currentManifest(listKey);
    if (still?.version !== manifest.version) return; // replaced or deleted while building
    this.lists.set(listKey, index);
    this.reroute();
    this.releaseChunks(manifest);
    this.logger.info({ list: listKey, version: index.version, entries: index.size, buildMs: Math.round(performance.now() - began), longestSliceMs: Math.round(longestSliceMs * 10) / 10 }, 'watchlist loaded');
  }

  private currentManifest(listKey: string): WatchlistManifest | undefined {
    const value = this.topic.get(listKey);
    return value?.kind === 'manifest' && !value.record.deleted ? value.record : undefined;
  }

  private chunksOf(manifest: WatchlistManifest): WatchlistChunk[] | undefined {
    const chunks: WatchlistChunk[] = [];
    for (let i = 0; i < manifest.chunks; i++) {
      const value = this.topic.get(chunkKey(manifest.owner, manifest.name, manifest.version, i));
      if (value?.kind !== 'chunk' || !value.record) return undefined;
      chunks.push(value.record);
    }
    return chunks;
  }

  /** The built index holds everything; the decoded chunks need not stay in memory. */
  private releaseChunks(manifest: WatchlistManifest): void {
    for (let i = 0; i < manifest.chunks; i++) {
      const value = this.topic.get(chunkKey(manifest.owner, manifest.name, manifest.version, i));
      if (value?.kind === 'chunk') value.record = undefined;
    }
  }

  private unload(listKey: string): void {
    if (!this.lists.delete(listKey)) return;
    this.reroute();
    this.logger.info({ list: listKey }, 'watchlist unloaded');
  }

  /** Rebuilds the coarse routing table: a new Map swapped in, so annotate never sees it half-made. */
  private reroute(): void {
    const router = new Map<number, WatchlistIndex[]>();
    let entries = 0;
    for (const list of this.lists.values()) {
      entries += list.size;
      for (const pixel of list.coverage) {
        const at = router.get(pixel);
        if (at) at.push(list);
        else router.set(pixel, [list]);
      }
    }
    this.router = router;
    this.metrics?.lists.set(this.lists.size);
    this.metrics?.entries.set(entries);
  }

  private recordBuild(longestSliceMs: number): void {
    this.builds += 1;
    this.longestSliceMs = Math.max(this.longestSliceMs, longestSliceMs);
    this.metrics?.builds.inc();
    this.metrics?.longestSlice.set(this.longestSliceMs / 1_000);
  }
}

function watchMetrics(registry: Registry) {
  return {
    lists: new Gauge({ name: 'nightjar_watchlists_loaded', help: 'Watchlists (all owners) loaded as sky indexes', registers: [registry] }),
    entries: new Gauge({ name: 'nightjar_watchlist_entries_loaded', help: 'Entries of all loaded watchlists', registers: [registry] }),
    maps: new Gauge({ name: 'nightjar_watchmaps_loaded', help: 'Watchmaps (all owners) loaded', registers: [registry] }),
    builds: new Counter({ name: 'nightjar_watchlist_builds_total', help: 'Watchlist versions built into sky indexes', registers: [registry] }),
    longestSlice: new Gauge({ name: 'nightjar_watchlist_build_longest_block_seconds', help: 'Longest event-loop block of any watchlist build in this process', registers: [registry] }),
  };
}
