/**
 * Builds normalised Alerts (light curve and position only) from the real alert files in
 * ../shared/data with avsc, for annotate tests that must not wait on the ingest decoder.
 * Conventions follow src/alert/types.ts: mjd = jd − 2400000.5 (ZTF), Rubin fluxes in nJy with
 * mag = −2.5 log10(flux) + 31.4 for positive flux.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import avro from 'avsc';
import type { Alert, Band, LightCurvePoint } from '../../../src/alert/types.js';

export const DATA = new URL('../../../../shared/data/', import.meta.url).pathname;

const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(n));
    return b;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

/** Defaults play no part in decoding with the writer schema; some ZTF producers write invalid ones. */
function stripDefaults(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(stripDefaults);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) if (k !== 'default') out[k] = stripDefaults(v);
  return out;
}

export function readOcf(path: string): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const records: Record<string, unknown>[] = [];
    avro
      .createFileDecoder(path, { parseHook: (schema: unknown) => avro.Type.forSchema(stripDefaults(schema) as avro.Schema, { registry: { long: exactLong } as never }) })
      .on('data', (r: Record<string, unknown>) => records.push(r))
      .on('end', () => resolve(records))
      .on('error', reject);
  });
}

type Rec = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const FID: Record<number, Band> = { 1: 'g', 2: 'r', 3: 'i' };

function base(survey: 'ztf' | 'lsst', alertId: string, objectId: string, mjd: number, ra: number, dec: number, lightcurve: LightCurvePoint[]): Alert {
  const last = lightcurve.filter((p) => p.kind === 'detection').at(-1);
  return {
    survey, alertId, objectId, mjd, ra, dec,
    band: last?.band ?? null, mag: last?.mag ?? null, magErr: last?.magErr ?? null, flux: last?.flux ?? null, fluxErr: last?.fluxErr ?? null,
    snr: null, reliability: null, isPositive: null, lightcurve,
  };
}

export function ztfAlert(rec: Rec): Alert {
  const cand = rec.candidate as Rec;
  const points: LightCurvePoint[] = [...((rec.prv_candidates as Rec[] | null) ?? []), cand].map((p) => {
    const detection = p.magpsf !== null && p.magpsf !== undefined;
    return {
      mjd: Number(p.jd) - 2400000.5,
      band: FID[Number(p.fid)] ?? null,
      kind: detection ? 'detection' : 'upperlimit',
      mag: detection ? Number(p.magpsf) : null,
      magErr: num(p.sigmapsf),
      flux: null,
      fluxErr: null,
      limitMag: num(p.diffmaglim),
    };
  });
  points.sort((a, b) => a.mjd - b.mjd);
  return base('ztf', String(cand.candid), String(rec.objectId), Number(cand.jd) - 2400000.5, Number(cand.ra), Number(cand.dec), points);
}

export function rubinAlert(rec: Rec): Alert {
  const src = rec.diaSource as Rec;
  const point = (p: Rec, kind: LightCurvePoint['kind']): LightCurvePoint => {
    const flux = num(p.psfFlux);
    return {
      mjd: Number(p.midpointMjdTai),
      band: (p.band as Band | null) ?? null,
      kind,
      mag: flux !== null && flux > 0 ? -2.5 * Math.log10(flux) + 31.4 : null,
      magErr: null,
      flux,
      fluxErr: num(p.psfFluxErr),
      limitMag: null,
    };
  };
  const points = [
    ...((rec.prvDiaSources as Rec[] | null) ?? []).map((p) => point(p, 'detection')),
    point(src, 'detection'),
    ...((rec.prvDiaForcedSources as Rec[] | null) ?? []).map((p) => point(p, 'forced')),
  ].sort((a, b) => a.mjd - b.mjd);
  return base('lsst', String(src.diaSourceId), String(src.diaObjectId), Number(src.midpointMjdTai), Number(src.ra), Number(src.dec), points);
}

/** Every real ZTF OCF alert and the four real Rubin alerts, normalised. */
export async function realAlerts(): Promise<Alert[]> {
  const alerts: Alert[] = [];
  const ztfDir = join(DATA, 'ztf', 'alerts');
  for (const file of readdirSync(ztfDir).filter((f) => f.endsWith('.avro')).sort()) {
    for (const rec of await readOcf(join(ztfDir, file))) alerts.push(ztfAlert(rec));
  }
  for (const rec of await readOcf(join(DATA, 'lsst', 'alerts', 'fink_rubin_4alerts.avro'))) alerts.push(rubinAlert(rec));
  return alerts;
}
