/**
 * A coarse equal-declination-band grid over the sky for the cone index: bands `cellDeg` high,
 * each cut into as many RA cells as keep them roughly `cellDeg` wide at that declination. A cone
 * is listed under every cell it may touch (a superset; evaluation decides exactly); an alert
 * looks up its one cell.
 */
export class SkyGrid {
  private readonly bandCount: number;
  private readonly raCells: number[];

  constructor(readonly cellDeg = 1) {
    this.bandCount = Math.ceil(180 / cellDeg);
    this.raCells = Array.from({ length: this.bandCount }, (_, i) => {
      const lo = -90 + i * cellDeg;
      const nearestEquator = Math.min(Math.abs(lo), Math.abs(Math.min(90, lo + cellDeg)));
      const width = 360 * Math.cos(((lo <= 0 && lo + cellDeg >= 0 ? 0 : nearestEquator) * Math.PI) / 180);
      return Math.max(1, Math.floor(width / cellDeg));
    });
  }

  /** The cell holding a position, or undefined for a position that is not on the sky. */
  cellOf(ra: number, dec: number): number | undefined {
    if (!Number.isFinite(ra) || !Number.isFinite(dec) || dec < -90 || dec > 90) return undefined;
    const band = Math.min(this.bandCount - 1, Math.floor((dec + 90) / this.cellDeg));
    const n = this.raCells[band]!;
    const r = ((ra % 360) + 360) % 360;
    return band * 4096 + Math.min(n - 1, Math.floor((r / 360) * n));
  }

  /** Every cell a cone may touch; undefined when that is more than `maxCells` (index it elsewhere). */
  cellsOfCone(ra: number, dec: number, radiusArcsec: number, maxCells = 512): number[] | undefined {
    if (!Number.isFinite(ra) || !Number.isFinite(dec) || !Number.isFinite(radiusArcsec)) return undefined;
    if (radiusArcsec < 0) return [];
    const r = radiusArcsec / 3600 + 1e-9;
    const lo = Math.max(-90, dec - r);
    const hi = Math.min(90, dec + r);
    const firstBand = Math.min(this.bandCount - 1, Math.floor((lo + 90) / this.cellDeg));
    const lastBand = Math.min(this.bandCount - 1, Math.floor((hi + 90) / this.cellDeg));
    const out: number[] = [];
    for (let band = firstBand; band <= lastBand; band++) {
      for (const cell of this.bandCells(band, ra, r, lo, hi)) {
        out.push(band * 4096 + cell);
        if (out.length > maxCells) return undefined;
      }
    }
    return out;
  }

  private bandCells(band: number, ra: number, r: number, coneLo: number, coneHi: number): number[] {
    const n = this.raCells[band]!;
    const all = () => Array.from({ length: n }, (_, i) => i);
    const maxAbsDec = Math.max(Math.abs(coneLo), Math.abs(coneHi));
    if (maxAbsDec >= 89.999 || r >= 90) return all();
    // RA half-width of a cone at its widest declination within the band (small-circle bound).
    const s = Math.sin((r * Math.PI) / 180) / Math.cos((maxAbsDec * Math.PI) / 180);
    if (s >= 1) return all();
    const half = (Math.asin(s) * 180) / Math.PI;
    const width = 360 / n;
    const first = Math.floor((ra - half) / width);
    const last = Math.floor((ra + half) / width);
    if (last - first + 1 >= n) return all();
    const out: number[] = [];
    for (let i = first; i <= last; i++) out.push(((i % n) + n) % n);
    return out;
  }
}
