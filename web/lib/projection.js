// Mollweide projection of the celestial sphere (RA increasing to the left, as on the sky).

const DEG = Math.PI / 180;

/** (ra, dec) in degrees to (x, y) in [-2√2, 2√2] × [-√2, √2], y up. */
export function mollweide(ra, dec) {
  let lon = ((ra - 180 + 540) % 360) - 180; // centre at RA 180
  lon = -lon * DEG;
  const lat = dec * DEG;
  let theta = lat;
  if (Math.abs(Math.abs(lat) - Math.PI / 2) < 1e-9) theta = lat;
  else {
    for (let i = 0; i < 50; i += 1) {
      const delta = (2 * theta + Math.sin(2 * theta) - Math.PI * Math.sin(lat)) / (2 + 2 * Math.cos(2 * theta));
      theta -= delta;
      if (Math.abs(delta) < 1e-10) break;
    }
  }
  return { x: ((2 * Math.SQRT2) / Math.PI) * lon * Math.cos(theta), y: Math.SQRT2 * Math.sin(theta) };
}

/** A small circle of `radius` degrees around (ra, dec), as points (a cone watchmap's edge). */
export function circle(ra, dec, radius, steps = 72) {
  const d0 = dec * DEG;
  const r = radius * DEG;
  const out = [];
  for (let i = 0; i <= steps; i += 1) {
    const b = (i / steps) * 2 * Math.PI;
    const d = Math.asin(Math.sin(d0) * Math.cos(r) + Math.cos(d0) * Math.sin(r) * Math.cos(b));
    const a = ra * DEG + Math.atan2(Math.sin(b) * Math.sin(r) * Math.cos(d0), Math.cos(r) - Math.sin(d0) * Math.sin(d));
    out.push({ ra: ((a / DEG) % 360 + 360) % 360, dec: d / DEG });
  }
  return out;
}

/** The galactic plane (b = 0) as equatorial (ra, dec) points, J2000. */
export function galacticPlane(step = 2) {
  const raPole = 192.85948 * DEG;
  const decPole = 27.12825 * DEG;
  const lNcp = 122.93192 * DEG;
  const out = [];
  for (let l = 0; l <= 360; l += step) {
    const d = lNcp - l * DEG;
    const dec = Math.asin(Math.cos(decPole) * Math.cos(d));
    const ra = raPole + Math.atan2(Math.sin(d), -Math.sin(decPole) * Math.cos(d));
    out.push({ ra: ((ra / DEG) % 360 + 360) % 360, dec: dec / DEG });
  }
  return out;
}
