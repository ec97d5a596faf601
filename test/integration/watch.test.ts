import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { encodeWatchlist } from '../../src/annotate/watch/chunks.js';
import type { WatchlistEntries } from '../../src/annotate/watch/entries.js';
import { chunkKey, manifestKey } from '../../src/annotate/watch/names.js';
import { WatchState, type WatchlistHit, type WatchmapHit } from '../../src/annotate/watch/state.js';
import { WatchStore } from '../../src/annotate/watch/store.js';
import { watchlistCommand, watchmapCommand } from '../../src/cli/watch.js';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { registerCleanup, testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';

const LVK_ALERT = '/work/shared/data/gw/MS181101ab-preliminary.json';

/** A compacted watchlists topic of its own, and a configuration naming it. */
async function watchTopic(kit: KafkaKit): Promise<Config> {
  const topic = uniqueName('watch');
  await kit.admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] }],
    waitForLeaders: true,
  });
  registerCleanup(() => kit.admin.deleteTopics({ topics: [topic] }).catch(() => undefined));
  return testConfig({ topics: { watchlists: topic } });
}

async function follow(kafka: Kafka, config: Config): Promise<WatchState> {
  const watch = new WatchState({ kafka, config, logger: silentLogger() });
  registerCleanup(() => watch.stop());
  await watch.start();
  return watch;
}

function alertAt(ra: number, dec: number): Alert {
  return { survey: 'lsst', alertId: 'a', objectId: 'o', mjd: 60_000, ra, dec, band: 'r', mag: 19, magErr: 0.1, flux: null, fluxErr: null, snr: 8, reliability: null, isPositive: true, lightcurve: [] };
}

function annotateAt(watch: WatchState, ra: number, dec: number): { lists: WatchlistHit[]; maps: WatchmapHit[] } {
  const alert = alertAt(ra, dec);
  watch.annotate([alert]);
  return { lists: (alert.watchlist as { hits: WatchlistHit[] }).hits, maps: (alert.watchmap as { hits: WatchmapHit[] }).hits };
}

describe('watchlists and watchmaps on a real broker', () => {
  it('a list or map added with the CLI while a worker follows produces hits within seconds; delete removes them', async () => {
    const kit = await withKafka();
    const config = await watchTopic(kit);
    const watch = await follow(kit.kafka, config);
    const ctx = { config, logger: silentLogger() };
    const dir = mkdtempSync(join(tmpdir(), 'nightjar-watch-'));
    const csv = join(dir, 'targets.csv');
    writeFileSync(csv, 'name,ra,dec,radius\nSN-like,150.1,2.2,3\nwide,150.1,2.2,60\npolar,10,89.99,60\n');

    expect(annotateAt(watch, 150.1, 2.2)).toEqual({ lists: [], maps: [] });
    const began = performance.now();
    expect(await watchlistCommand.run(['add', 'targets', csv, '--owner', 'alice'], ctx)).toBe(0);
    await waitFor(() => annotateAt(watch, 150.1, 2.2 + 5 / 3600).lists.length === 1, { timeoutMs: 20_000, message: 'the new watchlist to match' });
    console.info(`[watchlist] hits within ${Math.round(performance.now() - began)} ms of the CLI call`);
    // 5″ away: only the 60″ entry matches; at the position both do, nearest first.
    expect(annotateAt(watch, 150.1, 2.2 + 5 / 3600).lists).toEqual([{ owner: 'alice', list: 'targets', name: 'wide', sep: expect.closeTo(5, 6) }]);
    expect(annotateAt(watch, 150.1, 2.2).lists.map((h) => h.name).sort()).toEqual(['SN-like', 'wide']);
    expect(annotateAt(watch, 123, 90).lists.map((h) => h.name)).toEqual(['polar']); // at the pole, 36″ away
    expect(annotateAt(watch, 190, 89.99).lists).toEqual([]); // across the pole, 72″ away

    expect(await watchmapCommand.run(['add', 'S181101ab-90', '--from-lvk-alert', LVK_ALERT, '--credible', '0.9', '--owner', 'alice'], ctx)).toBe(0);
    expect(await watchmapCommand.run(['add', 'field', '--cone', '150,2,3600', '--owner', 'bob'], ctx)).toBe(0);
    const lvk = JSON.parse(readFileSync(new URL('../reference/moc/points.json', import.meta.url), 'utf8')).lvk90 as { ra: number[]; dec: number[]; inside: boolean[] };
    const inside = lvk.inside.indexOf(true);
    const outside = lvk.inside.indexOf(false);
    await waitFor(() => annotateAt(watch, lvk.ra[inside]!, lvk.dec[inside]!).maps.length === 1, { timeoutMs: 20_000, message: 'the LVK watchmap to match' });
    expect(annotateAt(watch, lvk.ra[inside]!, lvk.dec[inside]!).maps).toEqual([{ owner: 'alice', map: 'S181101ab-90' }]);
    expect(annotateAt(watch, lvk.ra[outside]!, lvk.dec[outside]!).maps).toEqual([]);
    await waitFor(() => annotateAt(watch, 150.1, 2.2).maps.length === 1, { timeoutMs: 20_000, message: 'the cone watchmap to match' });
    expect(annotateAt(watch, 150.1, 2.2).maps).toEqual([{ owner: 'bob', map: 'field' }]);

    const store = await WatchStore.open(kit.kafka, config, silentLogger());
    registerCleanup(() => store.close());
    expect(store.listWatchlists('alice').map((m) => [m.name, m.entries, m.version])).toEqual([['targets', 3, 1]]);
    expect(store.listWatchmaps('alice').map((m) => [m.name, m.region.type, m.source])).toEqual([['S181101ab-90', 'moc', 'MS181101ab 90% credible region']]);

    expect(await watchlistCommand.run(['delete', 'targets', '--owner', 'alice'], ctx)).toBe(0);
    expect(await watchmapCommand.run(['delete', 'field', '--owner', 'bob'], ctx)).toBe(0);
    await waitFor(() => annotateAt(watch, 150.1, 2.2).lists.length === 0 && annotateAt(watch, 150.1, 2.2).maps.length === 0, { timeoutMs: 20_000, message: 'deletes to take effect' });
    expect(annotateAt(watch, lvk.ra[inside]!, lvk.dec[inside]!).maps).toEqual([{ owner: 'alice', map: 'S181101ab-90' }]);

    // A worker starting now sees the current state: no deleted list, the remaining map.
    const late = await follow(kit.kafka, config);
    expect(late.stats()).toMatchObject({ lists: 0, maps: 1 });
  });

  it('a re-upload publishes a new version in many chunks, swaps it in and tombstones the old chunks', async () => {
    const kit = await withKafka();
    const config = await watchTopic(kit);
    const watch = await follow(kit.kafka, config);
    const store = await WatchStore.open(kit.kafka, config, silentLogger(), { chunkBytes: 4_096 });
    registerCleanup(() => store.close());
    const grid = (offset: number): WatchlistEntries => {
      const n = 2_000;
      return {
        names: Array.from({ length: n }, (_, i) => `g${offset}-${i}`),
        ra: Float64Array.from({ length: n }, (_, i) => (i % 100) * 0.05 + offset),
        dec: Float64Array.from({ length: n }, (_, i) => Math.floor(i / 100) * 0.05),
        radius: new Float64Array(n).fill(2),
      };
    };
    const v1 = await store.addWatchlist('dave', 'grid', grid(0));
    expect(v1.chunks).toBeGreaterThan(10);
    await waitFor(() => watch.loadedVersion('dave', 'grid') === 1, { timeoutMs: 20_000, message: 'version 1' });
    expect(annotateAt(watch, 0.05, 0.05).lists.map((h) => h.name)).toEqual(['g0-101']);

    const v2 = await store.addWatchlist('dave', 'grid', grid(100));
    expect(v2.version).toBe(2);
    await waitFor(() => watch.loadedVersion('dave', 'grid') === 2, { timeoutMs: 20_000, message: 'version 2' });
    expect(annotateAt(watch, 0.05, 0.05).lists).toEqual([]);
    expect(annotateAt(watch, 100.05, 0.05).lists.map((h) => h.name)).toEqual(['g100-101']);

    // A fresh reader finds only version 2's chunks: version 1's were tombstoned.
    const reader = await WatchStore.open(kit.kafka, config, silentLogger());
    registerCleanup(() => reader.close());
    const chunkVersions = new Set((reader as unknown as { topic: { entries(): [string, { kind: string; version?: number }][] } }).topic
      .entries()
      .filter(([, v]) => v.kind === 'chunk')
      .map(([, v]) => v.version));
    expect([...chunkVersions]).toEqual([2]);
  });

  it('loads a 1,000,000-entry list through chunks without stalling the event loop, and deletes it', async () => {
    const kit = await withKafka();
    const config = await watchTopic(kit);
    const watch = await follow(kit.kafka, config);
    const n = 1_000_000;
    const list = millionEntries(n);
    // Encoded up front, as the CLI would in its own process, so the measurement below sees only
    // what a worker does: fetch, decode and build.
    const { manifest, chunks } = encodeWatchlist('carol', 'million', 1, list, new Date());
    const messages = chunks.map((c) => ({ key: chunkKey('carol', 'million', 1, c.index), value: JSON.stringify(c) }));
    const manifestMessage = { key: manifestKey('carol', 'million'), value: JSON.stringify(manifest) };
    list.names = []; // a million strings the worker would not hold; keeps the test's own GC out of the figure

    const delay = monitorEventLoopDelay({ resolution: 5 });
    delay.enable();
    const began = performance.now();
    for (const message of messages) await kit.producer.send({ topic: config.topics.watchlists, acks: -1, messages: [message] });
    await kit.producer.send({ topic: config.topics.watchlists, acks: -1, messages: [manifestMessage] });
    await waitFor(() => watch.loadedVersion('carol', 'million') === 1, { timeoutMs: 170_000, intervalMs: 200, message: 'the million-entry list to load' });
    delay.disable();
    const stats = watch.stats();
    console.info(
      `[watchlist 1M] ${chunks.length} chunks published and loaded in ${((performance.now() - began) / 1000).toFixed(1)} s; ` +
        `event-loop delay max ${(delay.max / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; longest build slice ${stats.longestBuildSliceMs.toFixed(1)} ms`,
    );
    expect(stats).toMatchObject({ lists: 1, entries: n });

    for (const i of [0, 1, 123_456, 999_999]) {
      const hits = annotateAt(watch, list.ra[i]!, list.dec[i]!).lists;
      expect(hits.map((h) => h.name)).toContain(`m${i}`);
      expect(hits.find((h) => h.name === `m${i}`)!.sep).toBeLessThan(1e-6);
    }
    // Entries sit on a 0.1° grid with 5″ radii: a point 10″ from every entry matches nothing.
    expect(annotateAt(watch, list.ra[5]! + 10 / 3600, list.dec[5]!).lists).toEqual([]);

    const store = await WatchStore.open(kit.kafka, config, silentLogger());
    registerCleanup(() => store.close());
    await store.deleteWatchlist('carol', 'million');
    await waitFor(() => watch.stats().lists === 0, { timeoutMs: 20_000, message: 'the delete to unload the list' });
    expect(annotateAt(watch, list.ra[0]!, list.dec[0]!).lists).toEqual([]);
  });
});

/** A million entries on a 0.1° grid in RA within |dec| < 60°, radius 5″. */
function millionEntries(n: number): WatchlistEntries {
  const names = new Array<string>(n);
  const ra = new Float64Array(n);
  const dec = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    names[i] = `m${i}`;
    ra[i] = (i % 3600) / 10;
    dec[i] = -50 + Math.floor(i / 3600) * 0.35;
  }
  return { names, ra, dec, radius: new Float64Array(n).fill(5) };
}
