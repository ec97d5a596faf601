const DEG = Math.PI / 180;
const ARCSEC_PER_RAD = 180 / Math.PI * 3600;

/**
 * Angular separation in arcseconds between two (ra, dec) positions in degrees, by the Vincenty
 * formula: unlike the haversine or the cosine law it keeps full precision both for tiny
 * separations and near the antipode.
 */
export function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const dRa = (ra2 - ra1) * DEG;
  const d1 = dec1 * DEG;
  const d2 = dec2 * DEG;
  const sinD1 = Math.sin(d1);
  const cosD1 = Math.cos(d1);
  const sinD2 = Math.sin(d2);
  const cosD2 = Math.cos(d2);
  const sinDRa = Math.sin(dRa);
  const cosDRa = Math.cos(dRa);
  const x = cosD2 * sinDRa;
  const y = cosD1 * sinD2 - sinD1 * cosD2 * cosDRa;
  const z = sinD1 * sinD2 + cosD1 * cosD2 * cosDRa;
  return Math.atan2(Math.hypot(x, y), z) * ARCSEC_PER_RAD;
}
