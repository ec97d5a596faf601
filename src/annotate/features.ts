import type { Alert, Band, LightCurvePoint } from '../alert/types.js';
import { bands } from '../alert/types.js';

/**
 * Light-curve features from the alert's own light curve (points with mjd ≤ the alert's mjd),
 * per band and across bands ('all'). Magnitude features use detections that have a
 * magnitude; forced photometry is ignored; upper limits are only counted. Times are MJD,
 * rates mag/day. Sign convention: dmdt = (m2 − m1)/(t2 − t1) over the last two detections,
 * so a negative dmdt means brightening; riseRate = −dmdt when brightening and fadeRate =
 * dmdt when fading (both positive), null otherwise. Undefined values are null, never 0.
 */
export interface BandFeatures {
  ndet: number;
  nUpperLimits: number;
  firstMjd: number | null;
  lastMjd: number | null;
  daysSinceFirst: number | null;
  peakMag: number | null;
  peakMjd: number | null;
  latestMag: number | null;
  dmdt: number | null;
  riseRate: number | null;
  fadeRate: number | null;
  slope: number | null;
  amplitude: number | null;
  std: number | null;
  latestIsBrightest: boolean | null;
}

export interface Colour {
  /** m(first band) − m(second band) (mag). */
  value: number;
  /** |t1 − t2| of the pair used (days). */
  dt: number;
}

export type LcFeatures = Partial<Record<Band | 'all', BandFeatures>> & { colour?: Partial<Record<ColourName, Colour>> };

/** Adjacent band pairs, bluer first: u_g, g_r, r_i, i_z, z_y. */
export const colourNames = bands.slice(0, -1).map((b, i) => `${b}_${bands[i + 1]}` as const);
export type ColourName = (typeof colourNames)[number];

/** Two detections closer in time than this (days, ≈ 0.9 s) give no rate. */
const SAME_TIME = 1e-5;

export function lightCurveFeatures(alert: Alert): LcFeatures {
  const byBand = new Map<Band, LightCurvePoint[]>();
  const all: LightCurvePoint[] = [];
  for (const p of alert.lightcurve) {
    if (!(p.mjd <= alert.mjd) || p.kind === 'forced') continue;
    all.push(p);
    if (p.band === null) continue;
    let list = byBand.get(p.band);
    if (!list) byBand.set(p.band, (list = []));
    list.push(p);
  }
  const out: LcFeatures = {};
  if (all.length > 0) out.all = bandFeatures(all, alert.mjd);
  for (const band of bands) {
    const points = byBand.get(band);
    if (points) out[band] = bandFeatures(points, alert.mjd);
  }
  const colour = colours(byBand);
  if (colour) out.colour = colour;
  return out;
}

function isMagDetection(p: LightCurvePoint): p is LightCurvePoint & { mag: number } {
  return p.kind === 'detection' && p.mag !== null && Number.isFinite(p.mag);
}

/** Features of points sorted by mjd (the Alert contract). */
export function bandFeatures(points: readonly LightCurvePoint[], alertMjd: number): BandFeatures {
  let ndet = 0;
  let nUpperLimits = 0;
  let firstMjd: number | null = null;
  let lastMjd: number | null = null;
  const mags: number[] = [];
  const mjds: number[] = [];
  for (const p of points) {
    if (p.kind === 'upperlimit') nUpperLimits += 1;
    if (p.kind !== 'detection') continue;
    ndet += 1;
    firstMjd ??= p.mjd;
    lastMjd = p.mjd;
    if (isMagDetection(p)) {
      mags.push(p.mag);
      mjds.push(p.mjd);
    }
  }
  return {
    ndet,
    nUpperLimits,
    firstMjd,
    lastMjd,
    daysSinceFirst: firstMjd === null ? null : alertMjd - firstMjd,
    ...magnitudeFeatures(mags, mjds),
  };
}

type MagnitudeFeatures = Omit<BandFeatures, 'ndet' | 'nUpperLimits' | 'firstMjd' | 'lastMjd' | 'daysSinceFirst'>;

function magnitudeFeatures(mags: number[], mjds: number[]): MagnitudeFeatures {
  const n = mags.length;
  if (n === 0) {
    return { peakMag: null, peakMjd: null, latestMag: null, dmdt: null, riseRate: null, fadeRate: null, slope: null, amplitude: null, std: null, latestIsBrightest: null };
  }
  let peak = 0;
  let faintest = mags[0]!;
  for (let i = 1; i < n; i++) {
    if (mags[i]! < mags[peak]!) peak = i;
    if (mags[i]! > faintest) faintest = mags[i]!;
  }
  const latestMag = mags[n - 1]!;
  const dmdt = n >= 2 && mjds[n - 1]! - mjds[n - 2]! > SAME_TIME ? (latestMag - mags[n - 2]!) / (mjds[n - 1]! - mjds[n - 2]!) : null;
  return {
    peakMag: mags[peak]!,
    peakMjd: mjds[peak]!,
    latestMag,
    dmdt,
    riseRate: dmdt !== null && dmdt < 0 ? -dmdt : null,
    fadeRate: dmdt !== null && dmdt > 0 ? dmdt : null,
    slope: leastSquaresSlope(mjds, mags),
    amplitude: n >= 2 ? faintest - mags[peak]! : null,
    std: sampleStd(mags),
    latestIsBrightest: latestMag <= mags[peak]!,
  };
}

/** Slope of the least-squares line mag = a + b·mjd (mag/day); null without two distinct times. */
export function leastSquaresSlope(t: readonly number[], m: readonly number[]): number | null {
  const n = t.length;
  if (n < 2) return null;
  const t0 = t[0]!; // centre times for precision: MJDs near 60,000 squared lose digits
  let st = 0;
  let sm = 0;
  for (let i = 0; i < n; i++) {
    st += t[i]! - t0;
    sm += m[i]!;
  }
  const mt = st / n;
  const mm = sm / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    const dt = t[i]! - t0 - mt;
    num += dt * (m[i]! - mm);
    den += dt * dt;
  }
  return den > SAME_TIME * SAME_TIME ? num / den : null;
}

function sampleStd(values: readonly number[]): number | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
}

/**
 * For each adjacent band pair, the colour from the pair of detections nearest in time; on an
 * equal gap the later pair wins, and on a full tie the pair earlier in light-curve order.
 */
function colours(byBand: Map<Band, LightCurvePoint[]>): Partial<Record<ColourName, Colour>> | null {
  const out: Partial<Record<ColourName, Colour>> = {};
  let any = false;
  for (const name of colourNames) {
    const [b1, b2] = name.split('_') as [Band, Band];
    const a = (byBand.get(b1) ?? []).filter(isMagDetection);
    const b = (byBand.get(b2) ?? []).filter(isMagDetection);
    const pair = nearestPair(a, b);
    if (!pair) continue;
    out[name] = { value: pair[0].mag - pair[1].mag, dt: Math.abs(pair[0].mjd - pair[1].mjd) };
    any = true;
  }
  return any ? out : null;
}

/** Walks two mjd-sorted lists: for each p in a, only the nearest earlier and later b can be its nearest. */
function nearestPair<T extends { mjd: number }>(a: T[], b: T[]): [T, T] | null {
  if (a.length === 0 || b.length === 0) return null;
  let best: [T, T] = [a[0]!, b[0]!];
  let bestGap = Infinity;
  let bestTime = -Infinity;
  let after = 0; // first index of b with mjd > p.mjd
  for (const p of a) {
    while (after < b.length && b[after]!.mjd <= p.mjd) after++;
    let before = after - 1;
    while (before > 0 && b[before - 1]!.mjd === b[before]!.mjd) before--; // first of equal times
    for (const q of [b[before], b[after]]) {
      if (!q) continue;
      const gap = Math.abs(p.mjd - q.mjd);
      const time = Math.max(p.mjd, q.mjd);
      if (gap < bestGap || (gap === bestGap && time > bestTime)) {
        best = [p, q];
        bestGap = gap;
        bestTime = time;
      }
    }
  }
  return best;
}
