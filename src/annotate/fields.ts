import { registerFields, type FieldDef, type FieldType } from '../alert/catalogue.js';
import './watch/fields.js';
import { bands } from '../alert/types.js';
import { colourNames } from './features.js';
import type { LoadedCatalog } from './catalogs/types.js';

/**
 * The annotate stage's entries in the field catalogue: `xmatch.<catalog>.*`, `lc.<band|all>.*`,
 * `lc.colour.<pair>.*` and `anomaly.*`. A catalog's configured columns are registered as
 * concrete paths `xmatch.<catalog>.cols.<column>` once it is loaded and their types are known.
 */
const surveys = ['ztf', 'lsst'] as const;
const lcGroups = [...bands, 'all'] as const;

type Spec = [path: string, type: FieldType, unit: string | undefined, description: string, example: unknown];

const xmatch: Spec[] = [
  ['sep', 'number', 'arcsec', 'Angular separation to the nearest source of the catalog within its match radius; null when none', 1.42],
  ['id', 'string', undefined, 'Catalog identifier of the nearest source within the radius; null when none', '2491'],
  ['count', 'integer', undefined, 'Number of catalog sources within the match radius', 1],
  ['ra', 'number', 'deg', 'Right ascension of the nearest source (J2000); null when none', 101.2871],
  ['dec', 'number', 'deg', 'Declination of the nearest source (J2000); null when none', -16.7161],
];

const lc: Spec[] = [
  ['ndet', 'integer', undefined, 'Detections in the group up to and including this alert', 12],
  ['nUpperLimits', 'integer', undefined, 'Upper limits (non-detections) in the group up to this alert', 3],
  ['firstMjd', 'number', 'MJD', 'Time of the first detection', 60312.21],
  ['lastMjd', 'number', 'MJD', 'Time of the last detection', 60340.18],
  ['daysSinceFirst', 'number', 'days', 'Alert time minus the first detection time', 27.97],
  ['peakMag', 'number', 'mag', 'Brightest (smallest) magnitude among detections', 17.86],
  ['peakMjd', 'number', 'MJD', 'Time of the brightest detection (the earliest on ties)', 60330.3],
  ['latestMag', 'number', 'mag', 'Magnitude of the latest detection', 18.12],
  ['dmdt', 'number', 'mag/day', '(m2 − m1)/(t2 − t1) over the last two detections; negative means brightening', -0.21],
  ['riseRate', 'number', 'mag/day', 'Brightening rate −dmdt when the last two detections brighten; null otherwise', 0.21],
  ['fadeRate', 'number', 'mag/day', 'Fading rate dmdt when the last two detections fade; null otherwise', 0.05],
  ['slope', 'number', 'mag/day', 'Least-squares slope of magnitude against time over the detections (negative: brightening)', -0.03],
  ['amplitude', 'number', 'mag', 'Faintest minus brightest detection magnitude (two or more detections)', 1.31],
  ['std', 'number', 'mag', 'Sample standard deviation of detection magnitudes (two or more detections)', 0.42],
  ['latestIsBrightest', 'boolean', undefined, 'True when the latest detection is at least as bright as every earlier one', true],
];

function defs(prefix: string, specs: Spec[], group: string, params: FieldDef['params'], what: string): FieldDef[] {
  return specs.map(([leaf, type, unit, description, example]) => ({
    path: `${prefix}.${leaf}`,
    type,
    ...(unit ? { unit } : {}),
    description: `${description} (${what})`,
    surveys,
    example,
    params,
    group,
  }));
}

export const annotateFields: FieldDef[] = [
  ...defs('xmatch.{catalog}', xmatch, 'annotate: crossmatch', { catalog: '*' }, 'per configured catalog'),
  ...defs('lc.{band}', lc, 'annotate: light-curve features', { band: lcGroups }, 'per band, or across bands for `all`'),
  {
    path: 'lc.colour.{pair}.value',
    type: 'number',
    unit: 'mag',
    description: 'Colour m(bluer) − m(redder) (e.g. g − r) from the pair of detections in the two bands nearest in time',
    surveys,
    example: 0.45,
    params: { pair: colourNames },
    group: 'annotate: light-curve features',
  },
  {
    path: 'lc.colour.{pair}.dt',
    type: 'number',
    unit: 'days',
    description: 'Time between the two detections used for the colour',
    surveys,
    example: 0.06,
    params: { pair: colourNames },
    group: 'annotate: light-curve features',
  },
  {
    path: 'anomaly.score',
    type: 'number',
    description: 'Extended Isolation Forest anomaly score in [0, 1]: near 1 anomalous, 0.5 or below ordinary; null until a model is trained',
    surveys,
    example: 0.63,
    group: 'annotate: anomaly',
  },
  {
    path: 'anomaly.model',
    type: 'string',
    description: 'Identifier of the anomaly model that produced the score; null until a model is trained',
    surveys,
    example: 'eif-2026-01-14T02:00Z',
    group: 'annotate: anomaly',
  },
];

registerFields(annotateFields);

/** Registers `xmatch.<catalog>.cols.<column>` for each loaded catalog, typed from its index. */
export function registerCatalogColumnFields(catalogs: readonly LoadedCatalog[]): void {
  const out: FieldDef[] = [];
  for (const { config, index } of catalogs) {
    for (const column of config.columns) {
      const kind = index.columns[column]?.kind ?? 'string';
      out.push({
        path: `xmatch.${config.name}.cols.${column}`,
        type: kind === 'number' ? 'number' : 'string',
        description: `Column ${column} of the nearest ${config.name} source within ${config.radiusArcsec}″; null when none`,
        surveys,
        example: kind === 'number' ? 5.4 : 'text',
        group: 'annotate: crossmatch',
      });
    }
  }
  registerFields(out);
}
