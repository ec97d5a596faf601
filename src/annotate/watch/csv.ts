import { NightjarError } from '../../errors/index.js';
import { DEFAULT_ENTRY_RADIUS_ARCSEC, DEFAULT_MAX_ENTRIES, MAX_ENTRY_NAME_LENGTH, MAX_ENTRY_RADIUS_ARCSEC, type WatchlistEntries } from './entries.js';

export interface CsvOptions {
  /** Radius for rows without one, or when the file has no radius column (arcsec). */
  defaultRadiusArcsec?: number;
  maxEntries?: number;
}

export interface RowError {
  line: number;
  message: string;
}

/** Errors listed in the thrown message; all of them are in `details.errors` up to this many. */
const ERRORS_SHOWN = 20;
const ERRORS_KEPT = 1_000;

/**
 * Reads a watchlist upload: a header naming the columns `name`, `ra`, `dec` and optionally
 * `radius` (any order, any case, extra columns ignored), then one entry per line. Every bad row
 * is reported with its line number (the header is line 1) in one WATCHLIST_INVALID error, so
 * a user fixes the file in one pass rather than one error at a time.
 */
export function parseWatchlistCsv(text: string, options: CsvOptions = {}): WatchlistEntries {
  const defaultRadius = options.defaultRadiusArcsec ?? DEFAULT_ENTRY_RADIUS_ARCSEC;
  const maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  checkDefaultRadius(defaultRadius);
  const lines = text.split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt < 0) throw invalid('the file is empty: expected a header line with name,ra,dec[,radius]', []);
  const columns = headerColumns(splitCsvLine(lines[headerAt]!), headerAt + 1);
  const names: string[] = [];
  const ra: number[] = [];
  const dec: number[] = [];
  const radius: number[] = [];
  const errors: RowError[] = [];
  for (let i = headerAt + 1; i < lines.length; i++) {
    if (lines[i]!.trim() === '') continue;
    const row = readRow(splitCsvLine(lines[i]!), columns, defaultRadius);
    if (typeof row === 'string') {
      if (errors.length < ERRORS_KEPT) errors.push({ line: i + 1, message: row });
      continue;
    }
    if (names.length === maxEntries) throw new NightjarError('WATCHLIST_INVALID', `the list has more than ${maxEntries} entries (line ${i + 1}); the limit is configurable`, { details: { maxEntries } });
    names.push(row.name);
    ra.push(row.ra);
    dec.push(row.dec);
    radius.push(row.radius);
  }
  if (errors.length > 0) throw invalid(`${errors.length}${errors.length === ERRORS_KEPT ? '+' : ''} bad row(s)`, errors);
  if (names.length === 0) throw invalid('the file has a header but no entries', []);
  return { names, ra: Float64Array.from(ra), dec: Float64Array.from(dec), radius: Float64Array.from(radius) };
}

interface Columns {
  name: number;
  ra: number;
  dec: number;
  radius: number | undefined;
}

function headerColumns(header: string[], line: number): Columns {
  const find = (name: string): number | undefined => {
    const i = header.findIndex((h) => h.trim().toLowerCase() === name);
    return i < 0 ? undefined : i;
  };
  const name = find('name');
  const ra = find('ra');
  const dec = find('dec');
  if (name === undefined || ra === undefined || dec === undefined) {
    throw invalid(`line ${line}: the header must name the columns name, ra and dec (radius is optional); found ${header.map((h) => h.trim()).join(',')}`, []);
  }
  return { name, ra, dec, radius: find('radius') };
}

type Row = { name: string; ra: number; dec: number; radius: number };

/** A valid row, or the reason it is not. */
function readRow(cells: string[], columns: Columns, defaultRadius: number): Row | string {
  const name = (cells[columns.name] ?? '').trim();
  const nameProblem = checkEntryName(name);
  if (nameProblem) return nameProblem;
  const ra = number(cells[columns.ra]);
  const dec = number(cells[columns.dec]);
  const radiusText = columns.radius === undefined ? '' : (cells[columns.radius] ?? '').trim();
  const radius = radiusText === '' ? defaultRadius : number(radiusText);
  if (Number.isNaN(ra)) return `ra "${cells[columns.ra] ?? ''}" is not a number`;
  if (Number.isNaN(dec)) return `dec "${cells[columns.dec] ?? ''}" is not a number`;
  if (Number.isNaN(radius)) return `radius "${radiusText}" is not a number`;
  if (!(ra >= 0 && ra <= 360)) return `ra ${ra} is outside [0, 360] degrees`;
  if (!(dec >= -90 && dec <= 90)) return `dec ${dec} is outside [-90, 90] degrees`;
  if (!(radius > 0 && radius <= MAX_ENTRY_RADIUS_ARCSEC)) return `radius ${radius} is outside (0, ${MAX_ENTRY_RADIUS_ARCSEC}] arcsec (at most 1 degree)`;
  return { name, ra: ra === 360 ? 0 : ra, dec, radius };
}

/** Why a name cannot be an entry name, or undefined. Newlines are the chunk format's separator. */
export function checkEntryName(name: string): string | undefined {
  if (name === '') return 'the name is empty';
  if (name.length > MAX_ENTRY_NAME_LENGTH) return `the name is longer than ${MAX_ENTRY_NAME_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'the name contains a control character';
  return undefined;
}

function number(text: string | undefined): number {
  const t = (text ?? '').trim();
  if (t === '') return NaN;
  const v = Number(t);
  return Number.isFinite(v) ? v : NaN;
}

function checkDefaultRadius(radius: number): void {
  if (!(radius > 0 && radius <= MAX_ENTRY_RADIUS_ARCSEC)) {
    throw new NightjarError('WATCHLIST_INVALID', `default radius ${radius} is outside (0, ${MAX_ENTRY_RADIUS_ARCSEC}] arcsec`);
  }
}

/** One CSV line into cells; double quotes enclose cells with commas, "" is a literal quote. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

function invalid(summary: string, errors: RowError[]): NightjarError {
  const shown = errors.slice(0, ERRORS_SHOWN).map((e) => `  line ${e.line}: ${e.message}`);
  const more = errors.length > ERRORS_SHOWN ? [`  ... and ${errors.length - ERRORS_SHOWN} more`] : [];
  return new NightjarError('WATCHLIST_INVALID', [summary, ...shown, ...more].join('\n'), { details: { errors } });
}
