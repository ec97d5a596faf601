import '../alert/fields.js';
import '../annotate/fields.js';
import type { Alert } from '../alert/types.js';
import { validateFilter } from './lang/index.js';
import { FilterMatcher, type FilterStats } from './matcher.js';

export type { FilterStats } from './matcher.js';

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

/** The indexed matcher of the filter language: each alert evaluates only its candidate filters. */
export function createLangMatcher(): MatcherPort {
  return new FilterMatcher();
}
