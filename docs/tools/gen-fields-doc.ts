/**
 * Regenerates docs/fields.md from the field catalogue (core, survey and annotation fields):
 *   npx tsx docs/tools/gen-fields-doc.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fieldsDocument } from '../../src/alert/fields-doc.js';

const target = fileURLToPath(new URL('../fields.md', import.meta.url));
writeFileSync(target, fieldsDocument());
console.log(`wrote ${target}`);
