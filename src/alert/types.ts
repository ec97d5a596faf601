/**
 * The normalised, survey-independent alert that every stage after ingest works on.
 * Missing values are `null` (never -999, NaN or the string "null"); 64-bit ids are exact
 * decimal strings. Field meanings, units and conversions are defined in the field
 * catalogue (src/alert/catalogue.ts) and documented in docs/fields.md.
 */
export type Survey = 'ztf' | 'lsst';
export const surveys: readonly Survey[] = ['ztf', 'lsst'];

export type Band = 'u' | 'g' | 'r' | 'i' | 'z' | 'y';
export const bands: readonly Band[] = ['u', 'g', 'r', 'i', 'z', 'y'];

/** One point of the merged light curve. */
export interface LightCurvePoint {
  mjd: number;
  band: Band | null;
  /** detection: a difference-image detection; upperlimit: a non-detection with limiting magnitude; forced: forced photometry. */
  kind: 'detection' | 'upperlimit' | 'forced';
  mag: number | null;
  magErr: number | null;
  /** Difference flux (nJy). */
  flux: number | null;
  fluxErr: number | null;
  /** 5-sigma limiting magnitude of the image, where the survey gives it. */
  limitMag: number | null;
}

/** The three image stamps as the survey sent them: FITS, gzip-compressed for ZTF (bytes 1f 8b), plain for Rubin. */
export interface Cutouts {
  science: Uint8Array | null;
  template: Uint8Array | null;
  difference: Uint8Array | null;
}

export interface Alert {
  survey: Survey;
  alertId: string;
  objectId: string;
  mjd: number;
  ra: number;
  dec: number;
  band: Band | null;
  mag: number | null;
  magErr: number | null;
  flux: number | null;
  fluxErr: number | null;
  snr: number | null;
  reliability: number | null;
  isPositive: boolean | null;
  /** Previous detections, upper limits and forced photometry, then the alert's own detection, sorted by mjd. */
  lightcurve: LightCurvePoint[];
  /** The survey's own record (cutouts removed), present only on alerts of that survey. */
  ztf?: Record<string, unknown>;
  lsst?: Record<string, unknown>;
  cutouts?: Cutouts;
  /** Annotation namespaces, filled by the annotate stage. */
  xmatch?: Record<string, unknown>;
  watchlist?: Record<string, unknown>;
  watchmap?: Record<string, unknown>;
  lc?: Record<string, unknown>;
  anomaly?: Record<string, unknown>;
  /** True for alerts made by `nightjar replay --synthetic`. */
  synthetic?: boolean;
}
