import { NightjarError } from '../errors/index.js';
import { recordTimestampMs } from '../kafka/timestamp.js';

/**
 * Rows for the archive tables, as JSONEachRow objects: 64-bit ids as decimal strings, booleans
 * as 0/1, times as Unix seconds. Each table name maps to the rows to insert into it.
 */
export type Row = Record<string, string | number | null>;

export const ARCHIVE_TABLES = ['alerts', 'alert_positions', 'objects', 'lightcurve_points', 'cutouts', 'matches', 'dead_letters'] as const;
export type ArchiveTable = (typeof ARCHIVE_TABLES)[number];
export type ArchiveRows = Record<ArchiveTable, Row[]>;

export function emptyRows(): ArchiveRows {
  return { alerts: [], alert_positions: [], objects: [], lightcurve_points: [], cutouts: [], matches: [], dead_letters: [] };
}

/** Appends every row of `from` to `into`. */
export function appendRows(into: ArchiveRows, from: ArchiveRows): void {
  for (const table of ARCHIVE_TABLES) for (const row of from[table]) into[table].push(row);
}

export function rowCount(rows: ArchiveRows): number {
  return ARCHIVE_TABLES.reduce((n, table) => n + rows[table].length, 0);
}

/** The message fields the conversion reads; the runner's ConsumedMessage has them all. */
export interface SinkMessage {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  /** Kafka timestamp, ms since the epoch as a decimal string. */
  timestamp?: string;
}

export function invalid(message: string, details: Record<string, unknown> = {}): NightjarError {
  return new NightjarError('SINK_INVALID_MESSAGE', message, { details });
}

export function parseJsonObject(value: Buffer | null): Record<string, unknown> {
  if (value === null || value.length === 0) throw invalid('the message has no value');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw invalid(`the value is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed)) throw invalid('the value is not a JSON object');
  return parsed;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** A 64-bit id as an exact decimal string; JSON numbers are accepted only where they are exact. */
export function idString(value: unknown): string | null {
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return null;
}

export function headerText(message: SinkMessage, name: string): string | undefined {
  const raw = message.headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Unix seconds of a Kafka timestamp, or of `fallback` when the message has none. */
export function messageSeconds(message: SinkMessage, fallback: Date): number {
  return Math.floor((recordTimestampMs(message.timestamp) ?? fallback.getTime()) / 1000);
}
