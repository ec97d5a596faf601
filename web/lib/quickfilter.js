// The live feed's client-side filter: words match ids, filters and surveys; `field<op>value` terms
// compare a field (e.g. `mag<18 band=r anomaly.score>=0.6 survey=ztf`). All terms must hold.
import { get } from './format.js';

const TERM = /^([A-Za-z_][\w.]*)(<=|>=|!=|=|<|>)(.+)$/;

export function compileQuickFilter(text) {
  const terms = text.trim().split(/\s+/).filter(Boolean).map((word) => {
    const m = TERM.exec(word);
    if (!m) {
      const needle = word.toLowerCase();
      return (item) => [item.alert.alertId, item.alert.objectId, item.alert.survey, item.filter?.id].some((v) => v !== undefined && v !== null && String(v).toLowerCase().includes(needle));
    }
    const [, path, op, raw] = m;
    const number = Number(raw);
    return (item) => {
      const value = get(item.alert, path);
      if (value === undefined || value === null) return false;
      const a = typeof value === 'number' && Number.isFinite(number) ? value : String(value);
      const b = typeof value === 'number' && Number.isFinite(number) ? number : raw;
      switch (op) {
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '!=': return a !== b;
        default: return a === b;
      }
    };
  });
  return (item) => terms.every((term) => term(item));
}
