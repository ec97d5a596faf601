import { registerFields, type FieldDef } from '../../alert/catalogue.js';

/** The watchlist and watchmap annotations in the field catalogue. */
const surveys = ['ztf', 'lsst'] as const;
const group = 'annotate: watchlists and watchmaps';

export const watchFields: FieldDef[] = [
  {
    path: 'watchlist.hits',
    type: 'array',
    description:
      'Watchlist entries within their own match radius of the alert, for every owner: objects {owner, list, name, sep} with sep in arcsec, nearest first per list (at most 100 per list); empty when none. Filters read their owner\'s with watchlist.hit("list")',
    surveys,
    example: [{ owner: 'alice', list: 'my-agn', name: 'NGC 4151', sep: 0.82 }],
    group,
  },
  {
    path: 'watchmap.hits',
    type: 'array',
    description: 'Watchmaps (MOC, cone or polygon regions) that contain the alert position, for every owner: objects {owner, map}; empty when none. Filters read their owner\'s with inmap("map")',
    surveys,
    example: [{ owner: 'alice', map: 'S181101ab-90' }],
    group,
  },
];

registerFields(watchFields);
