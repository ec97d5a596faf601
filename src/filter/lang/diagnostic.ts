import type { ErrorCode } from '../../errors/index.js';
import type { Diagnostic } from './types.js';

/**
 * Builds a diagnostic whose line, column and caret point at `[start, end)` of the text, so the
 * dashboard and the CLI can underline exactly what is wrong.
 */
export function diagnostic(text: string, code: ErrorCode, message: string, start: number, end: number, suggestion?: string): Diagnostic {
  const from = clamp(start, 0, text.length);
  const to = clamp(Math.max(end, from + 1), from + 1, Math.max(text.length, from + 1));
  const lineStart = text.lastIndexOf('\n', from - 1) + 1;
  const newline = text.indexOf('\n', from);
  const lineEnd = newline === -1 ? text.length : newline;
  const line = countNewlines(text, lineStart) + 1;
  const sourceLine = text.slice(lineStart, lineEnd);
  const caret = `${sourceLine}\n${caretLine(sourceLine, from - lineStart, Math.min(to, Math.max(lineEnd, from + 1)) - lineStart)}`;
  const out: Diagnostic = { code, message, start: from, end: to, line, column: from - lineStart + 1, caret };
  if (suggestion !== undefined) out.suggestion = suggestion;
  return out;
}

/** Spaces up to the span (tabs kept, so the carets line up in a terminal), then one `^` per character. */
function caretLine(sourceLine: string, from: number, to: number): string {
  const pad = sourceLine.slice(0, from).replace(/[^\t]/g, ' ');
  return pad + '^'.repeat(Math.max(1, to - from));
}

function countNewlines(text: string, before: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < before; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
