import type { LightCurveRow } from '../clickhouse/archive-queries.js';
import { csvField } from '../annotate/catalogs/csv.js';

export const LIGHTCURVE_CSV_COLUMNS = ['mjd', 'band', 'kind', 'mag', 'magErr', 'flux', 'fluxErr', 'limitMag'] as const;

/**
 * An object's light curve as CSV (RFC 4180): a header row, then one row per point in time order;
 * an absent value is an empty field. Numbers are written in full (JavaScript's shortest exact
 * form), so reading the CSV back gives the same doubles as the JSON.
 */
export function lightcurveCsv(points: readonly LightCurveRow[]): string {
  const lines = [LIGHTCURVE_CSV_COLUMNS.join(',')];
  for (const point of points) lines.push(LIGHTCURVE_CSV_COLUMNS.map((column) => field(point[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function field(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return csvField(value);
}
