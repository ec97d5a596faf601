/**
 * docs/fields.md, generated from the field catalogue. `npx tsx docs/tools/gen-fields-doc.ts` rewrites
 * it; a unit test fails when the checked-in file differs from what the catalogue generates.
 */
import type { FieldDef } from './catalogue.js';

export const FIELDS_DOC_COMMAND = 'npx tsx docs/tools/gen-fields-doc.ts';

const GROUP_TITLES: Record<string, string> = {
  core: 'Core fields (every alert)',
  ztf: 'ZTF alert record (`ztf.*`)',
  'ztf.candidate': 'ZTF candidate (`ztf.candidate.*`)',
  lsst: 'Rubin alert record (`lsst.*`)',
  'lsst.diaSource': 'Rubin DiaSource (`lsst.diaSource.*`)',
  'lsst.diaObject': 'Rubin DiaObject (`lsst.diaObject.*`)',
  'lsst.ssSource': 'Rubin SSSource (`lsst.ssSource.*`)',
};
const GROUP_ORDER = Object.keys(GROUP_TITLES);

export function fieldsMarkdown(fields: readonly FieldDef[]): string {
  const groups = new Map<string, FieldDef[]>();
  for (const field of fields) groups.set(field.group, [...(groups.get(field.group) ?? []), field]);
  const names = [...groups.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const lines = [
    '# Alert fields',
    '',
    `<!-- Generated from the field catalogue (src/alert/catalogue.ts) by \`${FIELDS_DOC_COMMAND}\`; do not edit by hand. -->`,
    '',
    'Every field a filter, the archive, the output JSON Schema and the dashboard can name. Missing values are',
    '`null`; 64-bit integers (type `id`) are exact decimal strings. The survey fields are generated from the Avro',
    'schemas bundled under `schemas/`; examples come from the real alerts bundled under `schemas/samples/`.',
    'Conversions and sentinel rules: [alert-model.md](alert-model.md).',
    '',
    ...names.map((name) => `- [${GROUP_TITLES[name] ?? name}](#${anchor(GROUP_TITLES[name] ?? name)}) (${groups.get(name)!.length})`),
    '',
  ];
  for (const name of names) {
    lines.push(`## ${GROUP_TITLES[name] ?? name}`, '', '| Field | Type | Unit | Surveys | Description | Example |', '|---|---|---|---|---|---|');
    for (const f of groups.get(name)!) lines.push(row(f));
    lines.push('');
  }
  return lines.join('\n');
}

function rank(group: string): number {
  const i = GROUP_ORDER.indexOf(group);
  return i < 0 ? GROUP_ORDER.length : i;
}

function row(f: FieldDef): string {
  const type = f.enum ? `${f.type} (${f.enum.join(', ')})` : f.type;
  return `| \`${f.path}\` | ${type} | ${f.unit ?? ''} | ${f.surveys.join(', ')} | ${cell(f.description)} | ${cell(example(f.example))} |`;
}

function example(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return text.length > 80 ? `\`${text.slice(0, 77)}…\`` : `\`${text}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function anchor(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}
