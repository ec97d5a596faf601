/**
 * Filter-language fuzzer: 100,000 texts — grammar-generated expressions (valid or not),
 * realistic filters, and byte-level mutations of both — through validation and, when valid,
 * compilation and evaluation on real decoded alerts (as sent and annotated).
 * - crash: an exception out of validateFilter, or one out of compile/evaluate that is not a
 *   NightjarError (compile may throw only catalogued errors; evaluate never throws);
 * - escape: any read of a property outside the field catalogue (alerts are wrapped in a Proxy
 *   that records every key read at every depth), any new or changed property on
 *   Object.prototype, Array.prototype or Function.prototype, or a new global.
 * - index mismatch: valid filters also go, 2,000 at a time, into a FilterMatcher, which must
 *   return for each alert exactly the filters whose evaluation was TRUE (each alert is matched
 *   six times, so the index also runs with anchors and buckets chosen from a sample).
 * All three must be 0.
 *   node --import tsx bench/fuzz-filters.ts [--count 100000] [--seed 1]
 * Writes bench/results/fuzz-filters.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import '../src/alert/fields.js';
import '../src/annotate/fields.js';
import { concretePaths } from '../src/alert/catalogue.js';
import type { Alert } from '../src/alert/types.js';
import { lightCurveFeatures } from '../src/annotate/features.js';
import { isNightjarError } from '../src/errors/index.js';
import { grammarFilter, mutate, realisticFilter, seededRandom } from '../src/filter/lang/generate.js';
import { compileFilter, validateFilter } from '../src/filter/lang/index.js';
import { FilterMatcher } from '../src/filter/matcher.js';
import { realAlerts } from './history-alerts.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const COUNT = arg('--count', 100_000);
const SEED = arg('--seed', 1);

async function alertsUnderTest(): Promise<Alert[]> {
  const real = await realAlerts();
  // Every fourth real alert, plus an annotated copy of each of those.
  const chosen = real.filter((_, i) => i % 4 === 0);
  const annotated = chosen.map((a, i) => ({
    ...a,
    lc: lightCurveFeatures(a) as Record<string, unknown>,
    xmatch: { gaia: { sep: i * 0.3, id: `g${i}`, count: 1, ra: a.ra, dec: a.dec } },
    anomaly: { score: 0.7, model: 'fuzz' },
    watchlist: { hits: [{ list: 'bright', name: 'x', sep: 1 }] },
    watchmap: { hits: [{ map: 'm' }] },
  }));
  return [...chosen, ...annotated];
}

/**
 * Paths a filter may legitimately read: every prefix of a catalogue path (a `{param}` segment
 * matches any key), plus the light-curve points and watchlist/watchmap hits the functions read.
 * Array indices are written `#`.
 */
const allowedPrefixes = new Set<string>(['lightcurve.#.mjd', 'lightcurve.#.kind', 'lightcurve.#.band', 'lightcurve.#.mag', 'lightcurve.length',
  'watchlist.hits.#.list', 'watchlist.hits.#.owner', 'watchlist.hits.#.name', 'watchlist.hits.length',
  'watchmap.hits.#.map', 'watchmap.hits.#.owner', 'watchmap.hits.length']);
const templates: string[][] = [];
for (const path of [...concretePaths(), ...allowedPrefixes]) {
  const segs = path.split('.');
  if (segs.some((s) => s.startsWith('{'))) templates.push(segs);
  for (let k = 1; k <= segs.length; k++) allowedPrefixes.add(segs.slice(0, k).join('.'));
}

function allowed(path: string[]): boolean {
  if (allowedPrefixes.has(path.join('.'))) return true;
  return templates.some((t) => path.length <= t.length && path.every((seg, i) => t[i]!.startsWith('{') || t[i] === seg));
}

const escapes: string[] = [];

function watched<T extends object>(target: T, name: string, path: string[] = []): T {
  const check = (key: string | symbol): string[] | undefined => {
    const seg = typeof key === 'symbol' ? String(key) : /^\d+$/.test(key) ? '#' : key;
    const next = [...path, seg];
    if (typeof key === 'symbol' || !allowed(next)) {
      escapes.push(`${name}.${next.join('.')}`);
      return undefined;
    }
    return next;
  };
  return new Proxy(target, {
    get(t, key, receiver) {
      const next = check(key);
      const v = Reflect.get(t, key, receiver);
      return next && typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) ? watched(v, name, next) : v;
    },
    has(t, key) {
      check(key);
      return Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      check(key);
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    set(_t, key) {
      escapes.push(`write ${name}.${[...path, String(key)].join('.')}`);
      return false;
    },
    defineProperty(_t, key) {
      escapes.push(`define ${name}.${[...path, String(key)].join('.')}`);
      return false;
    },
    deleteProperty(_t, key) {
      escapes.push(`delete ${name}.${[...path, String(key)].join('.')}`);
      return false;
    },
  });
}

/** Own property names of the shared prototypes and the global object, to detect pollution. */
function snapshot(): string {
  const names = (o: object) => Reflect.ownKeys(o).map(String).sort().join(',');
  return [names(Object.prototype), names(Array.prototype), names(Function.prototype), names(globalThis)].join('|');
}

function nextText(rnd: () => number, positions: { ra: number; dec: number }[]): { kind: string; text: string } {
  const roll = rnd();
  if (roll < 0.35) return { kind: 'grammar', text: grammarFilter(rnd) };
  if (roll < 0.55) return { kind: 'realistic', text: realisticFilter(rnd, positions) };
  if (roll < 0.8) return { kind: 'mutated-realistic', text: mutate(rnd, realisticFilter(rnd, positions)) };
  return { kind: 'mutated-grammar', text: mutate(rnd, grammarFilter(rnd)) };
}

async function main(): Promise<void> {
  const plain = await alertsUnderTest();
  const positions = plain.map((a) => ({ ra: a.ra, dec: a.dec }));
  const alerts = plain.map((a, i) => watched(a, `alert${i}`));
  const rnd = seededRandom(SEED);
  const before = snapshot();
  const crashes: { text: string; stage: string; error: string }[] = [];
  const codes: Record<string, number> = {};
  const kinds: Record<string, number> = {};
  let valid = 0;
  let evaluations = 0;
  let matches = 0;
  const mismatches: { alert: number; missing: string[]; extra: string[] }[] = [];
  let indexed = 0;
  let batch = new FilterMatcher({ sampleSize: 64 });
  let expected: string[][] = alerts.map(() => []);
  const texts = new Map<string, string>();
  /** Matches every alert through the batch's index and compares with the evaluations. */
  const checkBatch = (): void => {
    for (let round = 0; round < 6; round++) {
      alerts.forEach((alert, j) => {
        let got: string[];
        try {
          got = batch.match(alert).sort();
        } catch (err) {
          crashes.push({ text: 'FilterMatcher.match', stage: 'index', error: String(err) });
          return;
        }
        const want = [...expected[j]!].sort();
        if (got.join('\n') !== want.join('\n')) {
          mismatches.push({ alert: j, missing: want.filter((k) => !got.includes(k)).map((k) => texts.get(k)!), extra: got.filter((k) => !want.includes(k)).map((k) => texts.get(k)!) });
        }
      });
    }
    indexed += batch.size;
    batch = new FilterMatcher({ sampleSize: 64 });
    expected = alerts.map(() => []);
    texts.clear();
  };
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const { kind, text } = nextText(rnd, positions);
    kinds[kind] = (kinds[kind] ?? 0) + 1;
    let ok = false;
    try {
      const r = validateFilter(text);
      ok = r.ok;
      for (const e of r.errors.slice(0, 1)) codes[e.code] = (codes[e.code] ?? 0) + 1;
    } catch (err) {
      crashes.push({ text: text.slice(0, 300), stage: 'validate', error: String(err) });
      continue;
    }
    if (!ok) continue;
    valid++;
    let filter;
    try {
      filter = compileFilter(text);
    } catch (err) {
      if (!isNightjarError(err)) crashes.push({ text: text.slice(0, 300), stage: 'compile', error: String(err) });
      continue;
    }
    const key = `f${i}`;
    let evaluated = true;
    for (const [j, alert] of alerts.entries()) {
      try {
        evaluations++;
        if (filter.evaluate(alert, { owner: 'fuzz' })) {
          matches++;
          expected[j]!.push(key);
        }
        filter.evaluate3(alert);
      } catch (err) {
        crashes.push({ text: text.slice(0, 300), stage: 'evaluate', error: String(err) });
        evaluated = false;
        break;
      }
    }
    if (!evaluated) continue;
    batch.upsert(key, filter, 'fuzz');
    texts.set(key, text);
    if (batch.size >= 2_000) checkBatch();
  }
  checkBatch();
  const seconds = (performance.now() - t0) / 1000;
  const polluted = snapshot() !== before;
  const escapeCount = escapes.length + (polluted ? 1 : 0);
  const out = {
    date: new Date().toISOString(),
    seed: SEED,
    texts: COUNT,
    byKind: kinds,
    valid,
    evaluations,
    matches,
    alerts: alerts.length,
    firstErrorCodes: codes,
    seconds: Number(seconds.toFixed(1)),
    crashes: crashes.length,
    escapes: escapeCount,
    indexedFilters: indexed,
    indexMismatches: mismatches.length,
    mismatchSamples: mismatches.slice(0, 5),
    prototypesOrGlobalsChanged: polluted,
    crashSamples: crashes.slice(0, 10),
    escapeSamples: [...new Set(escapes)].slice(0, 20),
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/fuzz-filters.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
  console.log(JSON.stringify({ ...out, crashSamples: out.crashSamples.slice(0, 3), escapeSamples: out.escapeSamples.slice(0, 5) }, null, 1));
  if (crashes.length > 0 || escapeCount > 0 || mismatches.length > 0) process.exitCode = 1;
}

await main();
