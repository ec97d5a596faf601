/**
 * Unit-vector geometry on the celestial sphere. Separations use atan2(|a×b|, a·b), which
 * stays accurate from sub-milliarcsecond distances to antipodes (acos loses precision for
 * small angles, asin for large ones).
 */
export const DEG = Math.PI / 180;
export const ARCSEC = DEG / 3600;

export interface UnitVector {
  x: number;
  y: number;
  z: number;
}

export function unitVector(raDeg: number, decDeg: number): UnitVector {
  const ra = raDeg * DEG;
  const dec = decDeg * DEG;
  const cosDec = Math.cos(dec);
  return { x: cosDec * Math.cos(ra), y: cosDec * Math.sin(ra), z: Math.sin(dec) };
}

/** Angle between two unit vectors given by components (radians). */
export function angleBetween(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const cx = ay * bz - az * by;
  const cy = az * bx - ax * bz;
  const cz = ax * by - ay * bx;
  return Math.atan2(Math.sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz);
}

/** Angular separation of two positions (arcsec). */
export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const a = unitVector(ra1, dec1);
  const b = unitVector(ra2, dec2);
  return angleBetween(a.x, a.y, a.z, b.x, b.y, b.z) / ARCSEC;
}

/** Squared chord length between two points at angular distance `angle` (radians); monotonic in angle. */
export function chordSquared(angle: number): number {
  const s = 2 * Math.sin(angle / 2);
  return s * s;
}

/** RA (deg, [0, 360)) and Dec (deg) of a unit vector. */
export function raDecOf(x: number, y: number, z: number): { ra: number; dec: number } {
  let ra = Math.atan2(y, x) / DEG;
  if (ra < 0) ra += 360;
  if (ra >= 360) ra -= 360;
  return { ra, dec: Math.atan2(z, Math.hypot(x, y)) / DEG };
}

export function isValidPosition(ra: number, dec: number): boolean {
  return Number.isFinite(ra) && Number.isFinite(dec) && ra >= 0 && ra <= 360 && dec >= -90 && dec <= 90;
}
