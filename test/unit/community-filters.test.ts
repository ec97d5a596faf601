import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import '../../src/alert/fields.js';
import type { Alert } from '../../src/alert/types.js';
import { createAnnotator } from '../../src/annotate/annotator.js';
import { loadConfiguredCatalogs } from '../../src/annotate/state.js';
import { loadConfig } from '../../src/config/index.js';
import { compileFilter, validateFilter } from '../../src/filter/lang/index.js';
import { readAlertMessages, isAlertFileError } from '../../src/ingest/files.js';
import { AlertDecoder } from '../../src/ingest/index.js';
import { sampleAlertsDir } from '../../src/ingest/synthetic.js';
import { silentLogger } from '../../src/log/logger.js';

interface CommunityFilter {
  id: string;
  name: string;
  description: string;
  expression: string;
}

const dir = new URL('../../filters/', import.meta.url);
const filters: CommunityFilter[] = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as CommunityFilter);

type Row = Record<string, unknown>;
const c = (a: Alert): Row => ((a.ztf?.candidate ?? {}) as Row);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const lc = (a: Alert, group: string, key: string): number | null => num(((a.lc as Record<string, Row> | undefined)?.[group] ?? {})[key]);
const lt = (v: number | null, x: number) => v !== null && v < x;
const gt = (v: number | null, x: number) => v !== null && v > x;

/** Galactic latitude from the standard rotation, written independently of the language's sep(). */
function galacticLatitude(ra: number, dec: number): number {
  const rad = Math.PI / 180;
  const [raNgp, decNgp] = [192.85948 * rad, 27.12825 * rad];
  const sinB = Math.sin(dec * rad) * Math.sin(decNgp) + Math.cos(dec * rad) * Math.cos(decNgp) * Math.cos(ra * rad - raNgp);
  return Math.asin(sinB) / rad;
}

/** Each filter's intent as a plain predicate: the expression must select exactly these alerts. */
const intent: Record<string, (a: Alert) => boolean> = {
  'bright-new-transients': (a) => a.isPositive === true && lt(a.mag, 18.5) && gt(a.reliability, 0.7) && (lc(a, 'all', 'ndet') ?? 99) <= 2 && (a.xmatch as Record<string, Row>).brightstars!.count === 0,
  'fast-risers': (a) => a.isPositive === true && (lc(a, 'all', 'ndet') ?? 0) >= 3 && ['g', 'r', 'i'].some((b) => gt(lc(a, b, 'riseRate'), 0.25)),
  'nuclear-transients': (a) => a.survey === 'ztf' && a.isPositive === true && lt(num(c(a).distpsnr1), 0.6) && lt(num(c(a).sgscore1), 0.5) && gt(a.reliability, 0.5),
  'likely-supernovae': (a) => {
    const ss = num(c(a).ssdistnr);
    const d = num(c(a).distpsnr1);
    const nearMinorBody = ss !== null && ss >= 0 && ss < 10;
    return a.survey === 'ztf' && a.isPositive === true && gt(a.reliability, 0.6) && d !== null && d >= 1 && d <= 10 && lt(num(c(a).sgscore1), 0.5) && lt(lc(a, 'all', 'daysSinceFirst'), 30) && !nearMinorBody;
  },
  'known-variable-veto': (a) => (a.xmatch as Record<string, Row>).brightstars!.count === 0 && !(a.survey === 'ztf' && lt(num(c(a).distpsnr1), 1) && gt(num(c(a).sgscore1), 0.8)),
  'solar-system-objects': (a) => {
    const ss = num(c(a).ssdistnr);
    const ssObjectId = (a.lsst?.diaSource as Row | undefined)?.ssObjectId;
    return (a.survey === 'ztf' && ss !== null && ss >= 0 && ss < 5) || (a.survey === 'lsst' && ssObjectId !== null && ssObjectId !== undefined && BigInt(String(ssObjectId)) > 0n);
  },
  'galactic-plane-exclusion': (a) => Math.abs(galacticLatitude(a.ra, a.dec)) > 15,
  'high-anomaly-score': () => false, // no model in these tests: the score is missing, never 0
  'red-and-young': (a) => {
    const colour = ((a.lc as Record<string, Record<string, Row>>).colour ?? {}).g_r;
    return lt(lc(a, 'all', 'daysSinceFirst'), 10) && gt(num(colour?.value), 0.7) && Math.abs(num(colour?.dt) ?? 99) < 1;
  },
};

describe('community filters', () => {
  let alerts: Alert[] = [];

  beforeAll(async () => {
    const config = loadConfig({ env: {} });
    const decoder = new AlertDecoder({ config });
    const annotate = createAnnotator({ catalogs: await loadConfiguredCatalogs(config, silentLogger()), features: true });
    for await (const item of readAlertMessages([sampleAlertsDir('ztf'), sampleAlertsDir('lsst')])) {
      if (isAlertFileError(item)) throw item.error;
      for (const o of await decoder.decodeMessage(item.bytes)) if (o.ok) alerts.push(o.alert);
    }
    annotate(alerts);
    alerts = alerts.map((a) => ({ ...a, anomaly: { score: null, model: null } }));
  });

  it('ships at least 8 documented filters, each with a stated intent', () => {
    expect(filters.length).toBeGreaterThanOrEqual(8);
    for (const f of filters) {
      expect(f.description.length, f.id).toBeGreaterThan(40);
      expect(Object.keys(intent), f.id).toContain(f.id);
    }
  });

  it.each(filters.map((f) => [f.id, f] as const))('%s validates and selects exactly the alerts its intent describes', (_id, f) => {
    const validation = validateFilter(f.expression);
    expect(validation.errors).toEqual([]);
    const compiled = compileFilter(f.expression);
    const selected = alerts.filter((a) => compiled.evaluate(a)).map((a) => `${a.survey}:${a.alertId}`);
    const wanted = alerts.filter(intent[f.id]!).map((a) => `${a.survey}:${a.alertId}`);
    expect(selected).toEqual(wanted);
  });

  it('together they select a meaningful share of the real alerts, not all and not none', () => {
    const counts = Object.fromEntries(filters.map((f) => [f.id, alerts.filter((a) => compileFilter(f.expression).evaluate(a)).length]));
    expect(counts['solar-system-objects']).toBeGreaterThanOrEqual(4);
    expect(counts['nuclear-transients']).toBeGreaterThanOrEqual(1);
    expect(counts['galactic-plane-exclusion']).toBeGreaterThan(0);
    expect(counts['galactic-plane-exclusion']).toBeLessThan(alerts.length);
  });
});
