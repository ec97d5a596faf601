/**
 * The content of docs/fields.md: every module that registers fields is loaded, then the catalogue
 * is rendered (src/alert/docs.ts). Shared by the generator script and its staleness test.
 */
import '../annotate/fields.js';
import './fields.js';
import { allFields } from './catalogue.js';
import { fieldsMarkdown } from './docs.js';

export function fieldsDocument(): string {
  return `${fieldsMarkdown(allFields())}\n`;
}
