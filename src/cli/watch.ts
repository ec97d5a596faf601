/**
 * `nightjar watchlist add|list|delete` and `nightjar watchmap add|list|delete`: users' watchlists
 * (positions with match radii, from CSV) and watchmaps (MOC, cone, polygon or an LVK credible
 * region), published to the compacted watchlists topic that every worker follows. See docs/watchlists.md.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { createKafka } from '../kafka/client.js';
import type { Logger } from '../log/logger.js';
import { parseWatchlistCsv } from '../annotate/watch/csv.js';
import { DEFAULT_ENTRY_RADIUS_ARCSEC, DEFAULT_MAX_ENTRIES } from '../annotate/watch/entries.js';
import { mocFromJson, skyFraction, type Moc } from '../annotate/watch/moc.js';
import { coneRegion, mocSpec, polygonRegion, type RegionSpec } from '../annotate/watch/regions.js';
import { credibleRegionMoc, mocFromFits, skymapOfLvkAlert } from '../annotate/watch/skymap.js';
import { WatchStore } from '../annotate/watch/store.js';

interface Context {
  config: Config;
  logger: Logger;
}

const watchlistUsage = 'watchlist add NAME FILE.csv --owner U [--radius ARCSEC] [--max-entries N] | watchlist list --owner U | watchlist delete NAME --owner U';
const watchmapUsage =
  'watchmap add NAME (FILE.json|FILE.fits[.gz] | --cone RA,DEC,R | --polygon "RA,DEC;RA,DEC;..." | --from-lvk-alert FILE) [--credible 0.9] --owner U | watchmap list --owner U | watchmap delete NAME --owner U';

export const watchlistCommand = {
  name: 'watchlist',
  usage: watchlistUsage,
  summary: 'Add (from CSV: name,ra,dec[,radius]), list or delete a user\'s watchlists',
  run: runWatchlist,
};

export const watchmapCommand = {
  name: 'watchmap',
  usage: watchmapUsage,
  summary: 'Add (MOC JSON/FITS, cone, polygon or LVK credible region), list or delete a user\'s watchmaps',
  run: runWatchmap,
};

const options = {
  owner: { type: 'string' },
  radius: { type: 'string' },
  'max-entries': { type: 'string' },
  cone: { type: 'string' },
  polygon: { type: 'string' },
  'from-lvk-alert': { type: 'string' },
  credible: { type: 'string' },
} as const;

function parse(argv: string[], usage: string) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new NightjarError('CLI_USAGE', `${(err as Error).message}\nusage: nightjar ${usage}`, { cause: err });
  }
}

async function runWatchlist(argv: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parse(argv, watchlistUsage);
  const [action, name, file, ...extra] = positionals;
  const owner = requireOwner(values.owner, watchlistUsage);
  const maxEntries = values['max-entries'] === undefined ? DEFAULT_MAX_ENTRIES : positive('--max-entries', values['max-entries'], watchlistUsage);
  if (action === 'add') {
    if (!name || !file || extra.length > 0) throw usageError('watchlist add needs NAME and FILE.csv', watchlistUsage);
    const radius = values.radius === undefined ? DEFAULT_ENTRY_RADIUS_ARCSEC : positive('--radius', values.radius, watchlistUsage);
    const entries = parseWatchlistCsv(readText(file), { defaultRadiusArcsec: radius, maxEntries });
    return withStore(ctx, { maxEntries }, async (store) => {
      const manifest = await store.addWatchlist(owner, name, entries);
      out(`watchlist ${name} of ${owner}: version ${manifest.version}, ${manifest.entries} entries in ${manifest.chunks} chunk(s), largest radius ${manifest.maxRadius}″`);
    });
  }
  if (action === 'list' && !name) {
    return withStore(ctx, { maxEntries }, async (store) => {
      for (const m of store.listWatchlists(owner)) out(`${m.name}\t${m.entries} entries\tversion ${m.version}\tlargest radius ${m.maxRadius}″\tupdated ${m.updatedAt}`);
    });
  }
  if (action === 'delete' && name && !file) {
    return withStore(ctx, { maxEntries }, async (store) => {
      await store.deleteWatchlist(owner, name);
      out(`watchlist ${name} of ${owner} deleted`);
    });
  }
  throw usageError('expected add, list or delete', watchlistUsage);
}

async function runWatchmap(argv: string[], ctx: Context): Promise<number> {
  const { values, positionals } = parse(argv, watchmapUsage);
  const [action, name, file, ...extra] = positionals;
  const owner = requireOwner(values.owner, watchmapUsage);
  if (action === 'add') {
    if (!name || extra.length > 0) throw usageError('watchmap add needs NAME and one region', watchmapUsage);
    const region = regionFromArgs(file, values);
    return withStore(ctx, {}, async (store) => {
      await store.addWatchmap(owner, name, region.spec, region.source, region.skyFraction);
      out(`watchmap ${name} of ${owner}: ${region.source}, ${(region.skyFraction * 41_252.96).toFixed(3)} deg²`);
    });
  }
  if (action === 'list' && !name) {
    return withStore(ctx, {}, async (store) => {
      for (const m of store.listWatchmaps(owner)) out(`${m.name}\t${m.region.type}\t${(m.skyFraction * 41_252.96).toFixed(3)} deg²\t${m.source}\tupdated ${m.updatedAt}`);
    });
  }
  if (action === 'delete' && name && !file) {
    return withStore(ctx, {}, async (store) => {
      await store.deleteWatchmap(owner, name);
      out(`watchmap ${name} of ${owner} deleted`);
    });
  }
  throw usageError('expected add, list or delete', watchmapUsage);
}

interface RegionChoice {
  spec: RegionSpec;
  source: string;
  skyFraction: number;
}

function regionFromArgs(file: string | undefined, values: { cone?: string; polygon?: string; 'from-lvk-alert'?: string; credible?: string }): RegionChoice {
  const given = [file, values.cone, values.polygon, values['from-lvk-alert']].filter((v) => v !== undefined);
  if (given.length !== 1) throw usageError('give exactly one of FILE, --cone, --polygon or --from-lvk-alert', watchmapUsage);
  const credible = values.credible === undefined ? undefined : positive('--credible', values.credible, watchmapUsage);
  if (values.cone !== undefined) {
    const [ra, dec, radius] = numbers('--cone', values.cone, 3);
    coneRegion(ra!, dec!, radius!);
    return { spec: { type: 'cone', ra: ra!, dec: dec!, radius: radius! }, source: `cone ${values.cone}`, skyFraction: (1 - Math.cos((radius! / 3600) * (Math.PI / 180))) / 2 };
  }
  if (values.polygon !== undefined) {
    const vertices = values.polygon.split(';').map((pair) => numbers('--polygon', pair, 2) as [number, number]);
    polygonRegion(vertices);
    return { spec: { type: 'polygon', vertices }, source: `polygon of ${vertices.length} vertices`, skyFraction: 0 };
  }
  if (values['from-lvk-alert'] !== undefined) {
    const level = credible ?? 0.9;
    const { id, fits } = skymapOfLvkAlert(readText(values['from-lvk-alert']));
    return fromMoc(credibleRegionMoc(fits, level), `${id} ${Math.round(level * 100)}% credible region`);
  }
  const bytes = readBytes(file!);
  const text = bytes.subarray(0, 1).toString('utf8');
  if (text === '{') return fromMoc(mocFromJson(bytes.toString('utf8')), basename(file!));
  if (credible !== undefined) return fromMoc(credibleRegionMoc(bytes, credible), `${basename(file!)} ${Math.round(credible * 100)}% credible region`);
  return fromMoc(mocFromFits(bytes), basename(file!));
}

function fromMoc(moc: Moc, source: string): RegionChoice {
  return { spec: mocSpec(moc), source, skyFraction: skyFraction(moc) };
}

async function withStore(ctx: Context, opts: { maxEntries?: number }, act: (store: WatchStore) => Promise<void>): Promise<number> {
  const kafka = createKafka(ctx.config, ctx.logger);
  const store = await WatchStore.open(kafka, ctx.config, ctx.logger, opts);
  try {
    await act(store);
    return 0;
  } finally {
    await store.close();
  }
}

function requireOwner(owner: string | undefined, usage: string): string {
  if (!owner) throw usageError('--owner is required', usage);
  return owner;
}

function numbers(flag: string, text: string, count: number): number[] {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (parts.length !== count || parts.some((v) => !Number.isFinite(v))) throw new NightjarError('CLI_USAGE', `${flag} expects ${count} comma-separated numbers, got "${text}"`);
  return parts;
}

function positive(flag: string, text: string, usage: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw usageError(`${flag} must be a positive number, got "${text}"`, usage);
  return value;
}

function readBytes(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new NightjarError('INPUT_UNREADABLE', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

function readText(file: string): string {
  return readBytes(file).toString('utf8');
}

function usageError(message: string, usage: string): NightjarError {
  return new NightjarError('CLI_USAGE', `${message}\nusage: nightjar ${usage}`);
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}
