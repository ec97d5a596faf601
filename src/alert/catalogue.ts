import type { Survey } from './types.js';

/**
 * The field catalogue: the single definition of every field a filter, the archive, the
 * output schema, the docs and the dashboard can name. Stages register their fields here
 * (ingest: the core and survey fields; annotate: xmatch, watchlist, lc, anomaly).
 *
 * A path segment written `{name}` is a template: `lc.{band}.count` defines `lc.g.count`,
 * `lc.r.count`, ...; the template's allowed values are given in `params`.
 */
export type FieldType = 'number' | 'integer' | 'string' | 'boolean' | 'id' | 'array' | 'object';

export interface FieldDef {
  path: string;
  type: FieldType;
  /** Unit in plain text (mag, nJy, deg, arcsec, days, MJD, mag/day), or undefined when dimensionless. */
  unit?: string;
  description: string;
  surveys: readonly Survey[];
  example: unknown;
  /** Allowed values of each `{param}` in the path; `'*'` allows any identifier (e.g. configured catalog names). */
  params?: Record<string, readonly string[] | '*'>;
  /** For string fields with a closed set of values. */
  enum?: readonly string[];
  /** Which part of Nightjar fills the field (for docs). */
  group: string;
}

const fields = new Map<string, FieldDef>();
const templates: { def: FieldDef; pattern: RegExp; params: string[] }[] = [];

/** Adds fields to the catalogue; re-registering the same path replaces it (idempotent module loads). */
export function registerFields(defs: readonly FieldDef[]): void {
  for (const def of defs) {
    if (def.path.includes('{')) {
      const params: string[] = [];
      const source = def.path
        .split('.')
        .map((seg) => {
          const m = /^\{(\w+)\}$/.exec(seg);
          if (!m) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          params.push(m[1]!);
          return '([A-Za-z_][A-Za-z0-9_-]*)';
        })
        .join('\\.');
      const existing = templates.findIndex((t) => t.def.path === def.path);
      const entry = { def, pattern: new RegExp(`^${source}$`), params };
      if (existing >= 0) templates[existing] = entry;
      else templates.push(entry);
    } else {
      fields.set(def.path, def);
    }
  }
}

/** Resolves a concrete path (e.g. `lc.r.count`) to its definition, or undefined. */
export function lookupField(path: string): FieldDef | undefined {
  const direct = fields.get(path);
  if (direct) return direct;
  for (const { def, pattern, params } of templates) {
    const m = pattern.exec(path);
    if (!m) continue;
    const ok = params.every((name, i) => {
      const allowed = def.params?.[name];
      return allowed === undefined || allowed === '*' || allowed.includes(m[i + 1]!);
    });
    if (ok) return def;
  }
  return undefined;
}

/** Every definition, concrete and templated, sorted by path (for docs, schema and autocompletion). */
export function allFields(): FieldDef[] {
  return [...fields.values(), ...templates.map((t) => t.def)].sort((a, b) => a.path.localeCompare(b.path));
}

/** Concrete paths for suggestions: templates expanded over their closed parameter sets. */
export function concretePaths(): string[] {
  const out = [...fields.keys()];
  for (const { def, params } of templates) {
    let paths = [def.path];
    for (const name of params) {
      const allowed = def.params?.[name];
      const values = allowed === undefined || allowed === '*' ? [`{${name}}`] : allowed;
      paths = paths.flatMap((p) => values.map((v) => p.replace(`{${name}}`, v)));
    }
    out.push(...paths);
  }
  return out.sort();
}
