import { bands, type Alert, type Band } from '../../alert/types.js';
import { own } from './semantics.js';

/**
 * What the light-curve functions need, computed once per alert (thousands of filters may call
 * ndet() on the same alert, and a Rubin light curve has hundreds of points): detections per
 * band and upper-limit times, up to the alert's own time (no look-ahead, never the clock).
 * Cached by light-curve array; a different alert time recomputes.
 */
/** A light-curve point as the functions read it: own properties only, checked types. */
export interface Point {
  mjd: number;
  kind: unknown;
  band: unknown;
  mag: number | null;
}

export interface LightCurveSummary {
  mjd: number | null;
  /** Detections with a time ≤ the alert's, in time order: all bands, then per band. */
  detections: Point[];
  byBand: Map<Band, Point[]>;
  /** Times of upper limits before the alert, ascending. */
  upperLimitMjds: number[];
}

const cache = new WeakMap<object, LightCurveSummary>();
const EMPTY: LightCurveSummary = { mjd: null, detections: [], byBand: new Map(), upperLimitMjds: [] };

export function summaryOf(alert: Alert): LightCurveSummary {
  const lc = own(alert, 'lightcurve');
  const now = own(alert, 'mjd');
  const mjd = typeof now === 'number' && !Number.isNaN(now) ? now : null;
  if (!Array.isArray(lc)) return mjd === null ? EMPTY : { ...EMPTY, mjd };
  const hit = cache.get(lc);
  if (hit && hit.mjd === mjd) return hit;
  const summary = summarise(lc as unknown[], mjd);
  cache.set(lc, summary);
  return summary;
}

function summarise(lc: unknown[], mjd: number | null): LightCurveSummary {
  const limit = mjd ?? Infinity;
  // Index loops, not lc.filter: reading nothing but `length` and the points keeps an untrusted
  // array's `constructor` (Array species) out of the picture.
  const points: Point[] = [];
  for (let i = 0; i < lc.length; i++) {
    const p = lc[i];
    const t = own(p, 'mjd');
    if (typeof t !== 'number' || !(t <= limit)) continue;
    const mag = own(p, 'mag');
    points.push({ mjd: t, kind: own(p, 'kind'), band: own(p, 'band'), mag: typeof mag === 'number' && Number.isFinite(mag) ? mag : null });
  }
  points.sort((a, b) => a.mjd - b.mjd);
  const detections = points.filter((p) => p.kind === 'detection');
  const byBand = new Map<Band, Point[]>();
  for (const b of bands) byBand.set(b, detections.filter((p) => p.band === b));
  const upperLimitMjds = points.filter((p) => p.kind === 'upperlimit' && p.mjd < limit).map((p) => p.mjd);
  return { mjd, detections, byBand, upperLimitMjds };
}
