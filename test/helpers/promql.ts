/**
 * The metric names a PromQL expression reads, from a small tokenizer of the language (not a regex
 * over the text): label matchers `{...}`, ranges `[...]`, strings, numbers, durations and Grafana
 * variables are skipped; keywords, aggregation modifiers with their label lists and function names
 * are told apart from metric names. Anything it does not know is an error, so a typo in a
 * dashboard fails the test instead of passing unnoticed.
 */

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan', 'atan2']);
/** Keywords followed by a parenthesised list of label names. */
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
/** Aggregation operators: followed by `(` or by a `by`/`without` clause. */
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const IDENT_START = /[a-zA-Z_:]/;
const IDENT = /[a-zA-Z0-9_:]/;
const OPERATORS = ['==', '!=', '>=', '<=', '=~', '!~', '+', '-', '*', '/', '%', '^', '>', '<', '(', ')', ','];

export class PromqlSyntaxError extends Error {}

/** Metric names in order of appearance (with repeats), e.g. `rate(x_total[5m]) / y` → [x_total, y]. */
export function promqlMetricNames(expr: string): string[] {
  const names: string[] = [];
  let i = 0;
  let depth = 0;
  const fail = (what: string): never => {
    throw new PromqlSyntaxError(`${what} at ${i} in: ${expr}`);
  };
  const skipSpace = (): void => {
    while (i < expr.length && /\s/.test(expr[i]!)) i++;
  };
  const skipString = (): void => {
    const quote = expr[i]!;
    i++;
    while (i < expr.length && expr[i] !== quote) i += expr[i] === '\\' && quote !== '`' ? 2 : 1;
    if (i >= expr.length) fail('unterminated string');
    i++;
  };
  /** Skips a bracketed group up to its closing bracket, strings included; returns its inner text. */
  const skipGroup = (open: string, close: string): string => {
    const start = i + 1;
    let depth = 0;
    while (i < expr.length) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === '`') {
        skipString();
        continue;
      }
      if (c === open) depth++;
      else if (c === close && --depth === 0) {
        i++;
        return expr.slice(start, i - 1);
      }
      i++;
    }
    return fail(`unclosed ${open}`);
  };
  const readIdent = (): string => {
    const start = i;
    while (i < expr.length && IDENT.test(expr[i]!)) i++;
    return expr.slice(start, i);
  };

  while (i < expr.length) {
    skipSpace();
    if (i >= expr.length) break;
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') skipString();
    else if (c === '{') {
      // A selector without a name before it: the name may be a __name__ matcher.
      const inner = skipGroup('{', '}');
      const named = /__name__\s*=\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"/.exec(inner);
      if (named) names.push(named[1]!);
    } else if (c === '[') skipGroup('[', ']');
    else if (c === '$') {
      // Grafana variable: $name, ${name} or ${name:format}.
      i++;
      if (expr[i] === '{') skipGroup('{', '}');
      else if (!readIdent()) fail('bad variable');
    } else if (/[0-9.]/.test(c)) {
      // Numbers, hex, exponents and durations (5m, 1h30m).
      while (i < expr.length && /[0-9a-zA-Z._]/.test(expr[i]!)) {
        if ((expr[i] === 'e' || expr[i] === 'E') && (expr[i + 1] === '+' || expr[i + 1] === '-')) i++;
        i++;
      }
    } else if (IDENT_START.test(c)) {
      const word = readIdent();
      const lower = word.toLowerCase();
      skipSpace();
      const next = expr[i];
      if (LABEL_LIST_KEYWORDS.has(lower)) {
        if (next === '(') skipGroup('(', ')');
        else if (lower !== 'group_left' && lower !== 'group_right') fail(`"${word}" without a label list`);
      } else if (KEYWORDS.has(lower)) {
        // operator keyword or number literal
      } else if (AGGREGATIONS.has(lower)) {
        if (next !== '(' && !/^(by|without)\b/i.test(expr.slice(i))) fail(`aggregation "${word}" without arguments`);
      } else if (next === '(') {
        // a function or aggregation: its arguments are scanned by the loop
      } else names.push(word);
    } else {
      const op = OPERATORS.find((o) => expr.startsWith(o, i));
      if (!op) fail(`unexpected "${c}"`);
      if (op === '(') depth++;
      if (op === ')' && --depth < 0) fail('unbalanced ")"');
      i += op!.length;
    }
  }
  if (depth !== 0) fail('unclosed "("');
  return names;
}

/** Metric names a Grafana query reads: PromQL, or the template function `label_values(selector, label)`. */
export function grafanaQueryMetricNames(query: string): string[] {
  const labelValues = /^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/.exec(query);
  return promqlMetricNames(labelValues ? labelValues[1]! : query);
}

/** `# TYPE name type` lines of a Prometheus text exposition: declared metric names and their types. */
export function declaredMetrics(exposition: string): Map<string, string> {
  const declared = new Map<string, string>();
  for (const line of exposition.split('\n')) {
    const m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line);
    if (m) declared.set(m[1]!, m[2]!);
  }
  return declared;
}

/**
 * The declared metric a referenced name belongs to: itself, or the histogram (or summary) whose
 * `_bucket`, `_sum` or `_count` series it is. Undefined when nothing declares it.
 */
export function resolveMetric(name: string, declared: Map<string, string>): string | undefined {
  if (declared.has(name)) return name;
  const m = /^(.+)_(bucket|sum|count)$/.exec(name);
  if (!m) return undefined;
  const type = declared.get(m[1]!);
  if (type === 'histogram' || (type === 'summary' && m[2] !== 'bucket')) return m[1];
  return undefined;
}
