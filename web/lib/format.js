// Formatting of astronomical values for display.

/** MJD to an ISO date-time (UTC) to the second. */
export function mjdToIso(mjd) {
  if (typeof mjd !== 'number' || !Number.isFinite(mjd)) return '—';
  return new Date((mjd - 40587) * 86_400_000).toISOString().replace('T', ' ').slice(0, 19);
}

export function num(value, digits = 2) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** Right ascension in degrees as h:m:s. */
export function raHms(ra) {
  if (typeof ra !== 'number') return '—';
  const hours = (((ra % 360) + 360) % 360) / 15;
  const h = Math.floor(hours);
  const m = Math.floor((hours - h) * 60);
  const s = ((hours - h) * 60 - m) * 60;
  return `${pad(h)}:${pad(m)}:${s.toFixed(2).padStart(5, '0')}`;
}

/** Declination in degrees as ±d:m:s. */
export function decDms(dec) {
  if (typeof dec !== 'number') return '—';
  const sign = dec < 0 ? '-' : '+';
  const a = Math.abs(dec);
  const d = Math.floor(a);
  const m = Math.floor((a - d) * 60);
  const s = ((a - d) * 60 - m) * 60;
  return `${sign}${pad(d)}:${pad(m)}:${s.toFixed(1).padStart(4, '0')}`;
}

function pad(n) {
  return String(n).padStart(2, '0');
}

/** Value at a dotted path of an object, e.g. get(alert, 'xmatch.gaia.sep'). */
export function get(object, path) {
  let value = object;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = value[key];
  }
  return value;
}

/** The colour each band is drawn in, everywhere in the dashboard. */
export const bandColours = { u: '#7b3fe4', g: '#2ca02c', r: '#d62728', i: '#ff7f0e', z: '#8c564b', y: '#555555' };
