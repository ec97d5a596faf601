/**
 * Sky geometry of the archive: the declination zone an alert is filed under, the bounding box
 * a cone search may restrict itself to, and the exact angular separation used to check both.
 * Zones are horizontal bands of ZONE_HEIGHT_DEG; `alert_positions` is sorted by (zone, ra), so a
 * cone search reads only the zones its box touches and, inside each, only the RA range.
 */
export const ZONE_HEIGHT_DEG = 0.1;
export const ZONE_COUNT = Math.round(180 / ZONE_HEIGHT_DEG);

const DEG = Math.PI / 180;

/** The zone (0 .. ZONE_COUNT-1) of a declination; the north pole belongs to the last zone. */
export function skyZone(dec: number): number {
  const zone = Math.floor((dec + 90) / ZONE_HEIGHT_DEG);
  return Math.min(Math.max(zone, 0), ZONE_COUNT - 1);
}

/** An inclusive RA interval in degrees, within [0, 360]. */
export interface RaRange {
  lo: number;
  hi: number;
}

export interface ConeBox {
  decLo: number;
  decHi: number;
  zoneLo: number;
  zoneHi: number;
  /** One interval, or two when the cone crosses RA 0/360; [0, 360] when it reaches a pole. */
  raRanges: RaRange[];
}

/**
 * The smallest (dec, ra) box that contains every point within `radiusDeg` of (ra, dec). The RA
 * half-width is asin(sin r / cos dec), the exact extent of a small circle; a cone that contains a
 * pole spans all RA. A margin of 1e-9 deg (4 µas) keeps rounding from cutting off boundary points;
 * the exact distance test decides membership.
 */
export function coneBox(ra: number, dec: number, radiusDeg: number): ConeBox {
  const margin = 1e-9;
  const r = radiusDeg + margin;
  const decLo = Math.max(dec - r, -90);
  const decHi = Math.min(dec + r, 90);
  const box = { decLo, decHi, zoneLo: skyZone(decLo), zoneHi: skyZone(decHi) };
  if (dec + r >= 90 || dec - r <= -90) return { ...box, raRanges: [{ lo: 0, hi: 360 }] };
  const ratio = Math.sin(r * DEG) / Math.cos(dec * DEG);
  if (ratio >= 1) return { ...box, raRanges: [{ lo: 0, hi: 360 }] };
  const halfWidth = Math.asin(ratio) / DEG + margin;
  return { ...box, raRanges: raRanges(normaliseRa(ra), halfWidth) };
}

function raRanges(ra: number, halfWidth: number): RaRange[] {
  if (halfWidth >= 180) return [{ lo: 0, hi: 360 }];
  const lo = ra - halfWidth;
  const hi = ra + halfWidth;
  if (lo < 0) return [{ lo: 0, hi }, { lo: lo + 360, hi: 360 }];
  if (hi > 360) return [{ lo, hi: 360 }, { lo: 0, hi: hi - 360 }];
  return [{ lo, hi }];
}

export function normaliseRa(ra: number): number {
  const wrapped = ra % 360;
  return wrapped < 0 ? wrapped + 360 : wrapped;
}

/**
 * Angular separation in degrees by the Vincenty formula (atan2 form): exact to rounding at every
 * distance, including tiny and near-antipodal ones. The reference the SQL haversine is checked against.
 */
export function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const [a1, d1, a2, d2] = [ra1 * DEG, dec1 * DEG, ra2 * DEG, dec2 * DEG];
  const dl = a2 - a1;
  const x = Math.cos(d2) * Math.sin(dl);
  const y = Math.cos(d1) * Math.sin(d2) - Math.sin(d1) * Math.cos(d2) * Math.cos(dl);
  const z = Math.sin(d1) * Math.sin(d2) + Math.cos(d1) * Math.cos(d2) * Math.cos(dl);
  return Math.atan2(Math.hypot(x, y), z) / DEG;
}
