import type { FieldDef, FieldType } from '../../../src/alert/catalogue.js';

/**
 * The enriched JSON of the real ZTF alert ztf/alerts/2695378462115010012.avro (values read from
 * the file: candidate and the first prv_candidates, MJD = JD − 2400000.5), trimmed to what the
 * conversion reads. The cutout is a short base64 string standing in for the FITS bytes.
 */
export function ztfEnriched(): Record<string, unknown> {
  return {
    survey: 'ztf',
    alertId: '2695378462115010012',
    objectId: 'ZTF18abudxnw',
    mjd: 60449.37846060004,
    ra: 295.3031995,
    dec: -10.3958989,
    band: 'r',
    mag: 14.906532287597656,
    magErr: 0.015333953313529491,
    flux: null,
    fluxErr: null,
    snr: null,
    reliability: 0.9993875026702881,
    isPositive: false,
    lightcurve: [
      { mjd: 60420.4637616002, band: 'g', kind: 'upperlimit', mag: null, magErr: null, flux: null, fluxErr: null, limitMag: 19.78730010986328 },
      { mjd: 60423.45623840019, band: 'r', kind: 'detection', mag: 16.800199508666992, magErr: 0.17879900336265564, flux: null, fluxErr: null, limitMag: 19.621999740600586 },
      { mjd: 60432.439988399856, band: 'g', kind: 'detection', mag: 15.871800422668457, magErr: 0.058253999799489975, flux: null, fluxErr: null, limitMag: 19.859500885009766 },
      { mjd: 60449.37846060004, band: 'r', kind: 'detection', mag: 14.906532287597656, magErr: 0.015333953313529491, flux: null, fluxErr: null, limitMag: null },
    ],
    ztf: { candidate: { candid: '2695378462115010012', fid: 2, rb: 0.8257142901420593, isdiffpos: 'f' } },
    cutouts: { science: 'U0lNUExFICA9ICAgICAgICAgICAgICAgICAgICBU', template: null, difference: 'U0lNUExFICA9' },
    xmatch: { gaia: { sep: 0.4 } },
    lc: { r: { count: 2 } },
    anomaly: { score: 0.2 },
  };
}

function field(path: string, type: FieldType): FieldDef {
  return { path, type, description: path, surveys: ['ztf', 'lsst'], example: null, group: 'test' };
}

/** A catalogue shaped like Nightjar's: core scalars, an array, survey and annotation paths. */
export const testFields: FieldDef[] = [
  field('survey', 'string'),
  field('alertId', 'id'),
  field('objectId', 'id'),
  field('mjd', 'number'),
  field('ra', 'number'),
  field('dec', 'number'),
  field('band', 'string'),
  field('mag', 'number'),
  field('magErr', 'number'),
  field('flux', 'number'),
  field('fluxErr', 'number'),
  field('snr', 'number'),
  field('reliability', 'number'),
  field('isPositive', 'boolean'),
  field('ndethist', 'integer'),
  field('lightcurve', 'array'),
  field('ztf.candidate.magpsf', 'number'),
  field('lc.{band}.count', 'integer'),
];
