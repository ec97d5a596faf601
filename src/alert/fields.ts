/**
 * Ingest's entries in the field catalogue: the core fields of the normalised alert and every
 * survey field (`ztf.*`, `lsst.*`) generated from the bundled schemas. Importing this module
 * registers them; docs/fields.md and the output JSON Schema are generated from the catalogue.
 */
import { registerFields } from './catalogue.js';
import { coreFields } from './core-fields.js';
import { surveyFields } from './survey-fields.js';

registerFields(coreFields);
registerFields(surveyFields());

export { coreFields };
