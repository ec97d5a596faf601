// Autocompletion of field paths and function names from GET /api/v1/fields.
import { api } from './api.js';

let catalogue;

/** The field catalogue, fetched once per page load. */
export function loadCatalogue() {
  catalogue ??= api('/fields').then((body) => {
    const byPath = new Map(body.fields.map((f) => [f.path, f]));
    const entries = [
      ...body.paths.map((path) => ({ kind: 'field', text: path, def: byPath.get(path) ?? templateOf(body.fields, path) })),
      ...body.functions.map((fn) => ({ kind: 'function', text: fn.name, def: fn })),
    ];
    return { entries, byPath };
  }).catch((err) => {
    catalogue = undefined;
    throw err;
  });
  return catalogue;
}

function templateOf(fields, path) {
  const parts = path.split('.');
  return fields.find((f) => {
    const t = f.path.split('.');
    return t.length === parts.length && t.every((seg, i) => seg === parts[i] || /^\{\w+\}$/.test(seg));
  });
}

/** The identifier being typed just before the cursor, with where it starts. */
export function wordAt(text, cursor) {
  const m = /[A-Za-z_][\w.]*$/.exec(text.slice(0, cursor));
  if (!m) return null;
  // Not inside a string literal: an odd number of quotes before the word means we are in one.
  const before = text.slice(0, m.index);
  if ((before.match(/"/g)?.length ?? 0) % 2 === 1 || (before.match(/'/g)?.length ?? 0) % 2 === 1) return null;
  return { word: m[0], start: m.index };
}

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);

/** Up to `limit` entries: prefix matches first (shorter paths first), then matches anywhere in the path. */
export function complete(entries, word, limit = 12) {
  if (!word || KEYWORDS.has(word)) return [];
  const lower = word.toLowerCase();
  const prefix = [];
  const inside = [];
  for (const entry of entries) {
    const text = entry.text.toLowerCase();
    if (text === lower) continue;
    if (text.startsWith(lower)) prefix.push(entry);
    else if (lower.length >= 2 && text.includes(lower)) inside.push(entry);
  }
  const byLength = (a, b) => a.text.split('.').length - b.text.split('.').length || a.text.localeCompare(b.text);
  return [...prefix.sort(byLength), ...inside.sort(byLength)].slice(0, limit);
}
