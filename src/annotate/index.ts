/** The annotate stage's pure cores: crossmatch on a sky index, light-curve features, anomaly scores. */
export { createAnnotator, type Annotate, type AnnotatorOptions } from './annotator.js';
export { annotateFields, registerCatalogColumnFields } from './fields.js';
export { lightCurveFeatures, type BandFeatures, type Colour, type LcFeatures } from './features.js';
export { loadCatalog, validateCatalogConfig, type LoadOptions } from './catalogs/load.js';
export { brightStarsCatalog, BRIGHT_STARS_RADIUS_ARCSEC } from './catalogs/bright-stars.js';
export { syntheticIndex, syntheticSources, writeSyntheticCsv } from './catalogs/synthetic.js';
export type { CatalogConfig, LoadedCatalog } from './catalogs/types.js';
export { crossmatch, coneSearch, prepareCone, MAX_RADIUS_ARCSEC, type CrossmatchResult, type ConeHit } from './sky/crossmatch.js';
export { SkyIndexBuilder, type SkyIndex } from './sky/sky-index.js';
export { separationArcsec } from './sky/sphere.js';
export { train, score, averagePathLength, type EifModel, type EifParams } from './eif/forest.js';
export { serialize, deserialize } from './eif/serialize.js';
export { Reservoir } from './eif/reservoir.js';
export { featureVector, trainOnFeatures, columnMedians } from './eif/feature-vector.js';
