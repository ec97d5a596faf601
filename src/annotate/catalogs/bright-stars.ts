import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CatalogConfig } from './types.js';

/**
 * The catalog every installation has: the Yale Bright Star Catalogue (9,096 stars to V ≈ 6.5),
 * shipped as src/annotate/catalogs/bsc5.csv. 60″ radius: alerts that close to a naked-eye star
 * are dominated by its halo, ghosts and diffraction spikes, and 60″ also absorbs the
 * catalogue's 1.5″ position rounding and up to ~50 years of proper motion of all but the
 * fastest stars.
 */
export const BRIGHT_STARS_RADIUS_ARCSEC = 60;

export function brightStarsFile(): string {
  // From src/ the CSV sits beside this module; a compiled dist/ module reaches back to src/.
  const candidates = [new URL('./bsc5.csv', import.meta.url), new URL('../../../src/annotate/catalogs/bsc5.csv', import.meta.url)];
  const found = candidates.map((u) => fileURLToPath(u)).find((p) => existsSync(p));
  return found ?? fileURLToPath(candidates[0]!);
}

export function brightStarsCatalog(): CatalogConfig {
  return {
    name: 'brightstars',
    file: brightStarsFile(),
    format: 'csv',
    idColumn: 'hr',
    raColumn: 'ra',
    decColumn: 'dec',
    columns: ['vmag', 'name', 'constellation'],
    radiusArcsec: BRIGHT_STARS_RADIUS_ARCSEC,
  };
}
