// Light-curve points (detections, forced photometry, upper limits) as uPlot's aligned columns.

const KINDS = ['detection', 'forced', 'upperlimit'];

/** uPlot's aligned columns: one x (MJD) array, one y array per band × kind, and each point's error. */
export function lightCurveData(points, mode) {
  const value = (p) => (mode === 'flux' ? p.flux : p.kind === 'upperlimit' ? p.limitMag ?? p.mag : p.mag);
  const error = (p) => (mode === 'flux' ? p.fluxErr : p.magErr);
  const usable = points.filter((p) => typeof p.mjd === 'number' && typeof value(p) === 'number' && Number.isFinite(value(p)) && !(mode === 'flux' && p.kind === 'upperlimit'));
  const xs = [...new Set(usable.map((p) => p.mjd))].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const groups = new Map();
  for (const p of usable) {
    const key = `${p.band ?? '?'}|${p.kind}`;
    if (!groups.has(key)) groups.set(key, { band: p.band ?? '?', kind: p.kind, ys: new Array(xs.length).fill(null), errs: new Array(xs.length).fill(null) });
    const g = groups.get(key);
    g.ys[index.get(p.mjd)] = value(p);
    g.errs[index.get(p.mjd)] = error(p);
  }
  const series = [...groups.values()].sort((a, b) => a.band.localeCompare(b.band) || KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind));
  return { xs, series, counts: Object.fromEntries(KINDS.map((k) => [k, usable.filter((p) => p.kind === k).length])) };
}

