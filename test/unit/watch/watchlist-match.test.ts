import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/types.js';
import { Random } from '../../../src/annotate/random.js';
import { separationArcsec } from '../../../src/annotate/sky/sphere.js';
import { encodeWatchlist } from '../../../src/annotate/watch/chunks.js';
import type { WatchlistEntries } from '../../../src/annotate/watch/entries.js';
import { chunkKey, manifestKey, mapKey } from '../../../src/annotate/watch/names.js';
import type { WatchmapRecord } from '../../../src/annotate/watch/records.js';
import { WatchState, type WatchlistHit } from '../../../src/annotate/watch/state.js';
import { silentLogger } from '../../../src/log/logger.js';
import { testConfig } from '../../helpers/config.js';
import { MemoryWatchTopic } from './fake-topic.js';

/** Entries clustered around a few centres (RA 0 wrap, both poles, mid-sky), radii 1″..1800″. */
function clusteredEntries(n: number, seed: number): WatchlistEntries {
  const rng = new Random(seed);
  const centres: [number, number][] = [
    [0, 5],
    [120, 89.8],
    [240, -89.7],
    [75, -30],
  ];
  const names: string[] = [];
  const ra: number[] = [];
  const dec: number[] = [];
  const radius: number[] = [];
  for (let i = 0; i < n; i++) {
    const [cra, cdec] = centres[i % centres.length]!;
    const d = Math.max(-90, Math.min(90, cdec + (rng.next() * 2 - 1) * 0.5));
    const r = (((cra + ((rng.next() * 2 - 1) * 0.5) / Math.max(Math.cos((d * Math.PI) / 180), 0.01)) % 360) + 360) % 360;
    names.push(`e${i}`);
    ra.push(r);
    dec.push(d);
    radius.push(rng.next() < 0.1 ? 600 + rng.next() * 1200 : 1 + rng.next() * 60);
  }
  return { names, ra: Float64Array.from(ra), dec: Float64Array.from(dec), radius: Float64Array.from(radius) };
}

function alertAt(ra: number, dec: number, i = 0): Alert {
  return { survey: 'ztf', alertId: `a${i}`, objectId: `o${i}`, mjd: 60_000, ra, dec, band: 'g', mag: 18, magErr: 0.1, flux: null, fluxErr: null, snr: 10, reliability: null, isPositive: true, lightcurve: [] };
}

function publishList(topic: MemoryWatchTopic, owner: string, name: string, version: number, list: WatchlistEntries, chunkBytes = 16_000): void {
  const { manifest, chunks } = encodeWatchlist(owner, name, version, list, new Date(), chunkBytes);
  // Chunks after the manifest: a follower must wait for all of them whatever the order.
  topic.put(manifestKey(owner, name), manifest);
  for (const chunk of chunks) topic.put(chunkKey(owner, name, version, chunk.index), chunk);
}

function state(topic: MemoryWatchTopic, maxHitsPerList = 10_000): WatchState {
  return new WatchState({ kafka: {} as never, config: testConfig(), logger: silentLogger(), topic, maxHitsPerList, sliceMs: 2 });
}

describe('watchlist matching through WatchState', () => {
  it('finds exactly the entries whose own radius contains the alert (vs brute force)', async () => {
    const topic = new MemoryWatchTopic();
    const watch = state(topic);
    const list = clusteredEntries(4_000, 5);
    publishList(topic, 'alice', 'agn', 1, list);
    await watch.whenIdle();
    expect(watch.loadedVersion('alice', 'agn')).toBe(1);

    const rng = new Random(9);
    const alerts: Alert[] = [];
    for (let k = 0; k < 600; k++) {
      const i = rng.int(list.names.length);
      // Near an entry, within a few of its radii; plus a few random positions anywhere.
      const spread = ((list.radius[i]! * 1.5) / 3600) * rng.next();
      const dec = Math.max(-90, Math.min(90, list.dec[i]! + (rng.next() * 2 - 1) * spread));
      const ra = ((((list.ra[i]! + ((rng.next() * 2 - 1) * spread) / Math.max(Math.cos((dec * Math.PI) / 180), 0.01)) % 360) + 360) % 360);
      alerts.push(k % 10 === 0 ? alertAt(rng.next() * 360, rng.next() * 180 - 90, k) : alertAt(ra, dec, k));
    }
    watch.annotate(alerts);

    let totalHits = 0;
    for (const alert of alerts) {
      const hits = (alert.watchlist as { hits: WatchlistHit[] }).hits;
      const expected: string[] = [];
      const borderline = new Set<string>();
      list.names.forEach((name, i) => {
        const sep = separationArcsec(alert.ra, alert.dec, list.ra[i]!, list.dec[i]!);
        if (Math.abs(sep - list.radius[i]!) < 1e-6) borderline.add(name);
        else if (sep <= list.radius[i]!) expected.push(name);
      });
      const got = hits.map((h) => h.name).filter((n) => !borderline.has(n));
      expect(got.sort()).toEqual(expected.sort());
      for (const hit of hits) {
        const i = Number(hit.name.slice(1));
        expect(hit).toMatchObject({ owner: 'alice', list: 'agn' });
        expect(hit.sep).toBeCloseTo(separationArcsec(alert.ra, alert.dec, list.ra[i]!, list.dec[i]!), 6);
      }
      totalHits += hits.length;
    }
    expect(totalHits).toBeGreaterThan(400);
  });

  it('reports hits nearest first, capped per list', async () => {
    const topic = new MemoryWatchTopic();
    const watch = state(topic, 3);
    const n = 10;
    publishList(topic, 'bob', 'ring', 1, {
      names: Array.from({ length: n }, (_, i) => `r${i}`),
      ra: Float64Array.from({ length: n }, (_, i) => 50 + (i + 1) / 3600),
      dec: new Float64Array(n),
      radius: new Float64Array(n).fill(30),
    });
    await watch.whenIdle();
    const [alert] = [alertAt(50, 0)];
    watch.annotate([alert!]);
    const hits = (alert!.watchlist as { hits: WatchlistHit[] }).hits;
    expect(hits.map((h) => h.name)).toEqual(['r0', 'r1', 'r2']);
    expect(hits[0]!.sep).toBeCloseTo(1, 6);
  });

  it('swaps versions whole, keeps owners apart, and unloads deleted lists', async () => {
    const topic = new MemoryWatchTopic();
    const watch = state(topic);
    const one = (name: string, ra: number): WatchlistEntries => ({ names: [name], ra: Float64Array.of(ra), dec: Float64Array.of(10), radius: Float64Array.of(5) });
    publishList(topic, 'alice', 'targets', 1, one('old', 30));
    publishList(topic, 'bob', 'targets', 1, one('bobs', 30));
    await watch.whenIdle();
    const probe = (): WatchlistHit[] => {
      const alert = alertAt(30, 10);
      watch.annotate([alert]);
      return (alert.watchlist as { hits: WatchlistHit[] }).hits;
    };
    expect(probe().map((h) => `${h.owner}:${h.name}`).sort()).toEqual(['alice:old', 'bob:bobs']);

    // Version 2's manifest arrives before its chunk: version 1 stays live until the chunk is in.
    const { manifest, chunks } = encodeWatchlist('alice', 'targets', 2, one('new', 30), new Date());
    topic.put(manifestKey('alice', 'targets'), manifest);
    await watch.whenIdle();
    expect(watch.loadedVersion('alice', 'targets')).toBe(1);
    topic.put(chunkKey('alice', 'targets', 2, 0), chunks[0]!);
    await watch.whenIdle();
    expect(watch.loadedVersion('alice', 'targets')).toBe(2);
    expect(probe().map((h) => `${h.owner}:${h.name}`).sort()).toEqual(['alice:new', 'bob:bobs']);

    topic.put(manifestKey('alice', 'targets'), { ...manifest, version: 3, chunks: 0, entries: 0, deleted: true });
    await watch.whenIdle();
    expect(probe().map((h) => `${h.owner}:${h.name}`)).toEqual(['bob:bobs']);
    expect(watch.stats()).toMatchObject({ lists: 1, entries: 1 });
  });

  it('fills watchmap hits from MOC, cone and polygon maps, and empty arrays when nothing matches', async () => {
    const topic = new MemoryWatchTopic();
    const watch = state(topic);
    const map = (owner: string, name: string, region: WatchmapRecord['region']): WatchmapRecord => ({ kind: 'watchmap', owner, name, updatedAt: '', source: 'test', skyFraction: 0, region });
    topic.put(mapKey('alice', 'cone'), map('alice', 'cone', { type: 'cone', ra: 359.9, dec: 0, radius: 1800 }));
    topic.put(mapKey('bob', 'poly'), map('bob', 'poly', { type: 'polygon', vertices: [[359, -1], [1, -1], [1, 1], [359, 1]] }));
    const alert = alertAt(0.2, 0.1);
    const far = alertAt(180, 0);
    watch.annotate([alert, far]);
    expect(alert.watchmap).toEqual({ hits: [{ owner: 'alice', map: 'cone' }, { owner: 'bob', map: 'poly' }] });
    expect(far.watchmap).toEqual({ hits: [] });
    expect(far.watchlist).toEqual({ hits: [] });
    topic.put(mapKey('alice', 'cone'), null);
    watch.annotate([alert]);
    expect(alert.watchmap).toEqual({ hits: [{ owner: 'bob', map: 'poly' }] });
  });
});
