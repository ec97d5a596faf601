/**
 * The core fields of the normalised Alert (src/alert/types.ts): type, unit, meaning and an example
 * from the real ZTF 4.02 alert ZTF17aaarzyp / 2982177112815010003 in ../shared/data (ids of the
 * survey records from it and from the Rubin alert 170094456251351059 re-published by Fink). Conversions: docs/alert-model.md.
 */
import type { FieldDef } from './catalogue.js';
import { bands, surveys } from './types.js';

const both = surveys;

export const coreFields: FieldDef[] = [
  { path: 'survey', type: 'string', enum: surveys, description: 'The survey that sent the alert: ztf or lsst (Rubin)', surveys: both, example: 'ztf', group: 'core' },
  { path: 'alertId', type: 'id', description: 'The alert (detection) id as an exact decimal string: ZTF candid, Rubin diaSource.diaSourceId', surveys: both, example: '2982177112815010003', group: 'core' },
  {
    path: 'objectId',
    type: 'id',
    description: 'The object id: ZTF objectId (text), Rubin diaObjectId as a decimal string, or the ssObjectId for a solar-system source without a diaObject (diaObjectId 0 or null)',
    surveys: both,
    example: 'ZTF17aaarzyp',
    group: 'core',
  },
  { path: 'mjd', type: 'number', unit: 'MJD', description: 'Observation time as a Modified Julian Date: ZTF jd − 2400000.5 (UTC), Rubin diaSource.midpointMjdTai (TAI)', surveys: both, example: 60736.177118100226, group: 'core' },
  { path: 'ra', type: 'number', unit: 'deg', description: 'Right ascension of the detection (J2000/ICRS), in [0, 360)', surveys: both, example: 97.8890196, group: 'core' },
  { path: 'dec', type: 'number', unit: 'deg', description: 'Declination of the detection (J2000/ICRS), in [−90, 90]', surveys: both, example: -2.798349, group: 'core' },
  { path: 'band', type: 'string', enum: bands, description: 'Filter band, a lower-case letter: ZTF fid 1, 2, 3 → g, r, i; Rubin band', surveys: both, example: 'r', group: 'core' },
  {
    path: 'mag',
    type: 'number',
    unit: 'mag',
    description: 'Difference-image PSF magnitude (AB): ZTF magpsf (magnitude of |flux|); Rubin −2.5·log10(psfFlux/nJy) + 31.4, null when psfFlux ≤ 0',
    surveys: both,
    example: 15.883607864379883,
    group: 'core',
  },
  { path: 'magErr', type: 'number', unit: 'mag', description: 'Error of mag: ZTF sigmapsf; Rubin 1.0857·psfFluxErr/|psfFlux|', surveys: both, example: 0.06072790548205376, group: 'core' },
  {
    path: 'flux',
    type: 'number',
    unit: 'nJy',
    description: 'Difference-image PSF flux: ZTF ±10^((31.4 − magpsf)/2.5), negative when isdiffpos is f/0; Rubin psfFlux',
    surveys: both,
    example: -1609003.0014910123,
    group: 'core',
  },
  { path: 'fluxErr', type: 'number', unit: 'nJy', description: 'Error of flux: ZTF |flux|·sigmapsf/1.0857; Rubin psfFluxErr', surveys: both, example: 89995.50882311625, group: 'core' },
  { path: 'snr', type: 'number', description: 'Signal-to-noise of the difference flux, |flux|/fluxErr (ZTF: 1.0857/sigmapsf)', surveys: both, example: 17.878703310111444, group: 'core' },
  { path: 'reliability', type: 'number', description: 'Real/bogus score in [0, 1]: ZTF drb (deep-learning), else rb; Rubin diaSource.reliability; null when the schema has none', surveys: both, example: 0.995834469795227, group: 'core' },
  { path: 'isPositive', type: 'boolean', description: 'Whether the difference is positive (brighter than the template): ZTF isdiffpos t/1; Rubin psfFlux > 0', surveys: both, example: false, group: 'core' },
  {
    path: 'lightcurve',
    type: 'array',
    description: 'Previous detections, upper limits (ZTF) and forced photometry, then this detection, sorted by mjd; each point {mjd, band, kind (detection | upperlimit | forced), mag, magErr, flux, fluxErr (nJy), limitMag}',
    surveys: both,
    example: [{ mjd: 60736.177118100226, band: 'r', kind: 'detection', mag: 15.883607864379883, magErr: 0.06072790548205376, flux: -1609003.0014910123, fluxErr: 89995.50882311625, limitMag: 19.849079132080078 }],
    group: 'core',
  },
  {
    path: 'cutouts',
    type: 'object',
    description: 'The science, template and difference stamps as the survey sent them (FITS; ZTF\'s gzip-compressed, starting with bytes 1f 8b), base64 in JSON; present only when requested',
    surveys: both,
    example: { science: 'U0lNUExFICA9ICBU...', template: '...', difference: '...' },
    group: 'core',
  },
  { path: 'ztf', type: 'object', description: 'The ZTF alert record as sent (cutouts removed, longs as decimal strings, sentinels as null)', surveys: ['ztf'], example: { objectId: 'ZTF17aaarzyp' }, group: 'ztf' },
  { path: 'lsst', type: 'object', description: 'The Rubin alert record as sent (cutouts removed, longs as decimal strings, NaN as null)', surveys: ['lsst'], example: { diaSourceId: '170094456251351059' }, group: 'lsst' },
];
