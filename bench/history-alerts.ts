/**
 * The alerts the surveys issued at each earlier detection of the real alerts in ../shared/data,
 * rebuilt from the histories those alerts carry: for every previous detection (a ZTF
 * prv_candidate with a magnitude, a Rubin prvDiaSource) the record is rewritten with that
 * detection as its candidate/diaSource and with only the history before it, then normalised by
 * Nightjar's own normalisers. Values are real measurements (magnitudes, reliabilities, bands,
 * times, light curves); fields only the latest alert carries (ZTF's Pan-STARRS neighbours, the
 * Rubin diaObject) are kept from it. About 1,600 alerts from 25 real ones, for benchmarks whose
 * answers depend on the spread of values (filter selectivity), not for anything shown to users.
 */
import { readdirSync, readFileSync } from 'node:fs';
import '../src/alert/fields.js';
import '../src/annotate/fields.js';
import type { Alert } from '../src/alert/types.js';
import { loadConfig } from '../src/config/index.js';
import { AlertDecoder } from '../src/ingest/index.js';
import { normaliseLsst } from '../src/ingest/normalise-lsst.js';
import { normaliseZtf } from '../src/ingest/normalise-ztf.js';

type Row = Record<string, unknown>;

const DATA = new URL('../../shared/data/', import.meta.url).pathname;

/** The real alerts of ../shared/data, decoded with their survey records. */
export async function realAlerts(): Promise<Alert[]> {
  const decoder = new AlertDecoder({ config: loadConfig() });
  const out: Alert[] = [];
  for (const survey of ['ztf', 'lsst']) {
    for (const name of readdirSync(`${DATA}${survey}/alerts`).sort()) {
      for (const o of await decoder.decodeMessage(readFileSync(`${DATA}${survey}/alerts/${name}`))) if (o.ok) out.push(o.alert);
    }
  }
  return out;
}

const rowsOf = (v: unknown): Row[] => (Array.isArray(v) ? (v as Row[]).filter((r) => typeof r === 'object' && r !== null) : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : NaN);
const definedOnly = (row: Row): Row => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined));

function ztfHistory(record: Row): Alert[] {
  const out: Alert[] = [];
  const candidate = record.candidate as Row;
  for (const prv of rowsOf(record.prv_candidates)) {
    const jd = num(prv.jd);
    if (prv.magpsf === null || prv.magpsf === undefined || !(jd < num(candidate.jd))) continue;
    const rewritten: Row = {
      ...record,
      candid: prv.candid ?? null,
      candidate: { ...candidate, ...definedOnly(prv) },
      prv_candidates: rowsOf(record.prv_candidates).filter((p) => num(p.jd) < jd),
      fp_hists: rowsOf(record.fp_hists).filter((p) => num(p.jd) < jd),
    };
    out.push(normaliseZtf(rewritten, { raw: true }));
  }
  return out;
}

function lsstHistory(record: Row): Alert[] {
  const out: Alert[] = [];
  for (const prv of rowsOf(record.prvDiaSources)) {
    const mjd = num(prv.midpointMjdTai);
    if (!(mjd < num((record.diaSource as Row).midpointMjdTai))) continue;
    const rewritten: Row = {
      ...record,
      diaSourceId: prv.diaSourceId,
      diaSource: prv,
      prvDiaSources: rowsOf(record.prvDiaSources).filter((p) => num(p.midpointMjdTai) < mjd),
      prvDiaForcedSources: rowsOf(record.prvDiaForcedSources).filter((p) => num(p.midpointMjdTai) < mjd),
    };
    out.push(normaliseLsst(rewritten, { raw: true }));
  }
  return out;
}

/** Every real alert followed by the alerts rebuilt from its history (see the module comment). */
export async function historyAlerts(): Promise<{ real: Alert[]; history: Alert[] }> {
  const real = await realAlerts();
  const history: Alert[] = [];
  for (const alert of real) {
    try {
      if (alert.ztf) history.push(...ztfHistory(alert.ztf as Row));
      else if (alert.lsst) history.push(...lsstHistory(alert.lsst as Row));
    } catch {
      // A history row the normaliser refuses (e.g. without a time) is simply not an alert.
    }
  }
  return { real, history };
}
