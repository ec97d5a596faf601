import { NightjarError } from '../errors/index.js';

/**
 * The check a query job's SQL passes before it reaches ClickHouse (docs/jobs.md). ClickHouse
 * itself runs it read-only (readonly=2) with time and row limits; this check adds what those
 * settings do not: one SELECT, reading only the archive tables users may see, no other database,
 * no table functions (url, file, remote, ...), no SETTINGS/FORMAT/INTO clauses that would undo
 * the limits or change the output. It works on tokens, so text inside strings and comments
 * never counts, and quoted identifiers are compared by their unquoted name.
 */
export interface SqlGuardOptions {
  /** The archive database (the query's default database). */
  database: string;
  /** Tables of it a query may read. */
  tables: readonly string[];
  /** Every other database on the server: a `name.` reference to one of them is refused. */
  otherDatabases: readonly string[];
}

/** Archive tables a query job may read: not `matches` (other users'), not dead letters or internals. */
export const QUERYABLE_TABLES = ['alerts', 'alert_positions', 'objects', 'lightcurve_points', 'cutouts'] as const;

type Token = { kind: 'word' | 'quoted' | 'string' | 'number' | 'punct'; text: string; at: number };

/** SETTINGS would lift the limits, FORMAT and INTO OUTFILE change where and how results go. */
const FORBIDDEN_WORDS = new Set(['settings', 'format', 'into', 'outfile', 'system', 'information_schema']);

/** Functions that read outside the query's tables: table functions and dictionary lookups. */
const FORBIDDEN_FUNCTIONS = /^(url|urlcluster|file|filecluster|remote|remotesecure|cluster|clusterallreplicas|mysql|postgresql|sqlite|jdbc|odbc|hdfs|hdfscluster|s3|s3cluster|gcs|azureblobstorage|input|merge|executable|dictionary|mongodb|redis|iceberg|deltalake|hudi|dict\w*|joinget\w*|getsetting)$/;

function reject(message: string, at?: number): NightjarError {
  return new NightjarError('JOB_QUERY_REJECTED', message, { details: at === undefined ? {} : { position: at } });
}

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i += 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw reject('unterminated comment', i);
      i = end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i;
      let text = '';
      i += 1;
      for (;;) {
        if (i >= sql.length) throw reject('unterminated quoted text', start);
        const d = sql[i]!;
        if (d === '\\') {
          text += sql[i + 1] ?? '';
          i += 2;
        } else if (d === c && sql[i + 1] === c) {
          text += c;
          i += 2;
        } else if (d === c) {
          i += 1;
          break;
        } else {
          text += d;
          i += 1;
        }
      }
      tokens.push({ kind: c === "'" ? 'string' : 'quoted', text, at: start });
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (i < sql.length && /[A-Za-z0-9_$]/.test(sql[i]!)) i += 1;
      tokens.push({ kind: 'word', text: sql.slice(start, i), at: start });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (i < sql.length && /[0-9A-Za-z_.]/.test(sql[i]!)) i += 1;
      tokens.push({ kind: 'number', text: sql.slice(start, i), at: start });
    } else {
      tokens.push({ kind: 'punct', text: c, at: i });
      i += 1;
    }
  }
  return tokens;
}

const isName = (t: Token | undefined): t is Token => t !== undefined && (t.kind === 'word' || t.kind === 'quoted');

/** Returns the SQL without a trailing semicolon, or throws JOB_QUERY_REJECTED saying why. */
export function checkQuerySql(sql: string, options: SqlGuardOptions): string {
  const tokens = tokenize(sql);
  let end = sql.length;
  while (tokens.at(-1)?.text === ';' && tokens.at(-1)?.kind === 'punct') end = tokens.pop()!.at;
  if (tokens.length === 0) throw reject('the query is empty');
  const first = tokens[0]!;
  if (first.kind !== 'word' || !['select', 'with'].includes(first.text.toLowerCase())) throw reject('a query job runs one SELECT (or WITH ... SELECT)', first.at);
  const databases = new Set(options.otherDatabases.map((d) => d.toLowerCase()));
  databases.delete(options.database.toLowerCase());
  const tables = new Set(options.tables);
  for (let k = 0; k < tokens.length; k += 1) {
    const t = tokens[k]!;
    const next = tokens[k + 1];
    if (t.kind === 'punct' && t.text === ';') throw reject('only one statement may be given', t.at);
    if (t.kind === 'word' && FORBIDDEN_WORDS.has(t.text.toLowerCase())) {
      throw reject(`${t.text.toUpperCase()} is not allowed in a query job`, t.at);
    }
    if (isName(t) && next?.kind === 'punct' && next.text === '(' && FORBIDDEN_FUNCTIONS.test(t.text.toLowerCase())) throw reject(`the function ${t.text}() reads outside the archive tables and is not allowed`, t.at);
    if (isName(t) && next?.kind === 'punct' && next.text === '.' && databases.has(t.text.toLowerCase())) throw reject(`the database ${t.text} is outside the archive`, t.at);
    if (t.kind === 'word' && ['from', 'join'].includes(t.text.toLowerCase())) {
      // The FROM of EXTRACT(... FROM x) and TRIM(... FROM x) is not a table reference.
      if (insideCallOf(tokens, k, ['extract', 'trim', 'substring', 'position'])) continue;
      checkTableReference(tokens, k + 1, options.database, tables);
    }
  }
  return sql.slice(0, end).trim();
}

function checkTableReference(tokens: Token[], k: number, database: string, tables: Set<string>): void {
  const t = tokens[k];
  if (t?.kind === 'punct' && t.text === '(') return; // a subquery: its own FROM is checked in turn
  if (!isName(t)) throw reject('FROM and JOIN take an archive table or a subquery', tokens[k]?.at);
  let name = t.text;
  if (tokens[k + 1]?.text === '.' && isName(tokens[k + 2])) {
    if (t.text !== database) throw reject(`the database ${t.text} is outside the archive`, t.at);
    name = tokens[k + 2]!.text;
  }
  if (!tables.has(name)) throw reject(`the table ${name} is not one a query may read; allowed: ${[...tables].join(', ')}`, t.at);
}

/** Whether token k sits inside the parentheses of a call to one of `names`. */
function insideCallOf(tokens: Token[], k: number, names: readonly string[]): boolean {
  let depth = 0;
  for (let j = k - 1; j >= 0; j -= 1) {
    const t = tokens[j]!;
    if (t.kind !== 'punct') continue;
    if (t.text === ')') depth += 1;
    else if (t.text === '(') {
      if (depth === 0) {
        const callee = tokens[j - 1];
        return callee?.kind === 'word' && names.includes(callee.text.toLowerCase());
      }
      depth -= 1;
    }
  }
  return false;
}
