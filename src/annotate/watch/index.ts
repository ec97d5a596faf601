/** Watchlists and watchmaps: user positions and sky regions, followed live from the watchlists topic. */
export { parseWatchlistCsv, splitCsvLine, type CsvOptions, type RowError } from './csv.js';
export { DEFAULT_ENTRY_RADIUS_ARCSEC, DEFAULT_MAX_ENTRIES, MAX_ENTRY_RADIUS_ARCSEC, type WatchlistEntries } from './entries.js';
export { encodeWatchlist, decodeChunk, entriesOf, chunkRanges, CHUNK_MAX_BYTES, type WatchlistManifest, type WatchlistChunk, type DecodedChunk } from './chunks.js';
export { buildWatchlistIndex, matchList, type WatchlistIndex, type ListHit } from './list-index.js';
export { mocFromCells, mocFromJson, mocFromRanges29, mocContains, mocToJson, skyFraction, type Moc, type MocCell } from './moc.js';
export { mocFromFits, credibleRegionMoc, skymapOfLvkAlert } from './skymap.js';
export { readBinTable, readFitsHdus, type BinTable } from './fits.js';
export { fromNuniq, MOC_MAX_ORDER } from './deep-healpix.js';
export { coneRegion, polygonRegion, regionOf, mocSpec, type Region, type RegionSpec } from './regions.js';
export { checkWatchName, manifestKey, chunkKey, mapKey, parseWatchKey } from './names.js';
export { parseWatchValue, type WatchmapRecord, type WatchRecord, type WatchValue } from './records.js';
export { WatchStore, type WatchStoreOptions } from './store.js';
export { WatchState, type WatchStateOptions, type WatchStats, type WatchlistHit, type WatchmapHit } from './state.js';
export { watchFields } from './fields.js';
