import '../alert/fields.js';
import '../annotate/fields.js';
import type { Alert } from '../alert/types.js';
import { compileFilter, validateFilter, type CompiledFilter } from './lang/index.js';

/** Per-filter counters the matcher keeps (plain numbers: no metric label per filter). */
export interface FilterStats {
  evaluated: number;
  matched: number;
  errors: number;
  evalNanos: number;
}

/** What the filter engine needs from the language: compile by key, remove, and match an alert. */
export interface MatcherPort {
  /** Compiles and adds (or replaces) a filter; throws a NightjarError when the expression is invalid. */
  upsert(key: string, expression: string, owner: string): void;
  remove(key: string): void;
  /** Keys of the filters the alert matches (true, not unknown). Never throws. */
  match(alert: Alert): string[];
  stats(key: string): FilterStats | undefined;
}

/** Human-readable validation errors of an expression (empty when it is valid), with positions. */
export function expressionErrors(expression: string): string[] {
  const result = validateFilter(expression);
  return result.errors.map((d) => `${d.code} at line ${d.line}, column ${d.column}: ${d.message}${d.suggestion ? ` (${d.suggestion})` : ''}\n${d.caret}`);
}

interface Entry {
  filter: CompiledFilter;
  owner: string;
  stats: FilterStats;
}

/** Evaluates each compiled filter whose surveys include the alert's; errors count, never escape. */
export function createLangMatcher(): MatcherPort {
  const entries = new Map<string, Entry>();
  return {
    upsert(key, expression, owner) {
      entries.set(key, { filter: compileFilter(expression), owner, stats: { evaluated: 0, matched: 0, errors: 0, evalNanos: 0 } });
    },
    remove(key) {
      entries.delete(key);
    },
    match(alert) {
      const out: string[] = [];
      for (const [key, { filter, owner, stats }] of entries) {
        if (!filter.surveys.includes(alert.survey)) continue;
        const started = process.hrtime.bigint();
        stats.evaluated += 1;
        try {
          if (filter.evaluate(alert, { owner })) {
            stats.matched += 1;
            out.push(key);
          }
        } catch {
          // Evaluation is total by design; anything thrown is a bug counted per filter, never a lost batch.
          stats.errors += 1;
        }
        stats.evalNanos += Number(process.hrtime.bigint() - started);
      }
      return out;
    },
    stats(key) {
      return entries.get(key)?.stats;
    },
  };
}
