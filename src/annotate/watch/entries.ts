/**
 * A watchlist's entries as columns: one name and a position with its own match radius per
 * entry. Columns (not objects) because a list holds up to a million entries.
 */
export interface WatchlistEntries {
  names: string[];
  ra: Float64Array;
  dec: Float64Array;
  /** Match radius of each entry (arcsec). */
  radius: Float64Array;
}

/** Largest radius an entry may have: 1 degree (arcsec). */
export const MAX_ENTRY_RADIUS_ARCSEC = 3600;
export const DEFAULT_ENTRY_RADIUS_ARCSEC = 5;
export const DEFAULT_MAX_ENTRIES = 1_000_000;
export const MAX_ENTRY_NAME_LENGTH = 128;

export function entryCount(entries: WatchlistEntries): number {
  return entries.names.length;
}

export function maxRadius(entries: WatchlistEntries): number {
  let max = 0;
  for (const r of entries.radius) if (r > max) max = r;
  return max;
}
