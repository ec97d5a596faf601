/**
 * The ingest stage's core: decoding survey messages into normalised Alerts.
 * See docs/alert-model.md for the conversions and docs/fields.md for the fields.
 */
export { AlertDecoder, type AlertDecoderOptions, type DecodeOptions, type DecodeOutcome } from './decoder.js';
export { ConfluentRegistrySource, type SchemaSource } from './decode/registry.js';
export type { DecodeLimits } from './decode/guard.js';
export { normaliseZtf } from './normalise-ztf.js';
export { normaliseLsst } from './normalise-lsst.js';
