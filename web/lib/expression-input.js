// A filter expression box: a textarea over a mirror that underlines the spans the server reported,
// with completion of field paths and function names from the catalogue.
import { useEffect, useRef, useState } from 'preact/hooks';
import { complete, loadCatalogue, wordAt } from './completion.js';
import { html } from './html.js';

/** The text cut into plain runs and underlined diagnostic spans (errors over warnings). */
function segments(text, diagnostics) {
  const marks = new Array(text.length + 1).fill(null);
  for (const [kind, list] of [['warning', diagnostics.warnings], ['error', diagnostics.errors]]) {
    for (const d of list ?? []) {
      const start = Math.max(0, Math.min(d.start, text.length));
      // A zero-width span (e.g. an unexpected end) still gets one visible cell.
      const end = Math.max(start + 1, Math.min(d.end, text.length + 1));
      for (let i = start; i < end; i += 1) marks[i] = kind;
    }
  }
  const out = [];
  let i = 0;
  while (i <= text.length) {
    const kind = marks[i];
    let j = i;
    while (j <= text.length && marks[j] === kind) j += 1;
    const chunk = text.slice(i, Math.min(j, text.length)) + (j > text.length && kind ? ' ' : '');
    out.push(kind ? html`<mark class=${kind}>${chunk}</mark>` : chunk);
    i = j;
  }
  return out;
}

export function ExpressionInput({ value, onInput, diagnostics, readOnly }) {
  const area = useRef(null);
  const mirror = useRef(null);
  const [entries, setEntries] = useState([]);
  const [options, setOptions] = useState([]);
  const [selected, setSelected] = useState(0);
  const [catalogueError, setCatalogueError] = useState('');

  useEffect(() => {
    loadCatalogue().then((c) => setEntries(c.entries), (err) => setCatalogueError(err.message));
  }, []);

  function suggest(text, cursor) {
    const at = wordAt(text, cursor);
    setOptions(at ? complete(entries, at.word) : []);
    setSelected(0);
  }

  function accept(entry) {
    const el = area.current;
    const at = wordAt(el.value, el.selectionStart);
    if (!at) return;
    const insert = entry.kind === 'function' ? `${entry.text}(` : entry.text;
    const text = el.value.slice(0, at.start) + insert + el.value.slice(el.selectionStart);
    const cursor = at.start + insert.length;
    onInput(text);
    setOptions([]);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(cursor, cursor);
    });
  }

  function onKeyDown(event) {
    if (options.length === 0) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      setSelected((selected + (event.key === 'ArrowDown' ? 1 : options.length - 1)) % options.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      accept(options[selected]);
    } else if (event.key === 'Escape') {
      setOptions([]);
    }
  }

  const syncScroll = () => {
    if (mirror.current && area.current) {
      mirror.current.scrollTop = area.current.scrollTop;
      mirror.current.scrollLeft = area.current.scrollLeft;
    }
  };

  return html`
    <div class="expression">
      <div class="mirror" ref=${mirror} aria-hidden="true" data-testid="expression-mirror">${segments(value, diagnostics ?? {})}</div>
      <textarea ref=${area} data-testid="expression" spellcheck="false" rows="5" readOnly=${readOnly}
        value=${value}
        onInput=${(e) => {
          onInput(e.currentTarget.value);
          suggest(e.currentTarget.value, e.currentTarget.selectionStart);
        }}
        onKeyDown=${onKeyDown}
        onBlur=${() => setTimeout(() => setOptions([]), 150)}
        onScroll=${syncScroll}></textarea>
      ${options.length > 0 && html`
        <ul class="completions" role="listbox" data-testid="completions">
          ${options.map((entry, i) => html`
            <li role="option" aria-selected=${i === selected} class=${i === selected ? 'selected' : ''} onMouseDown=${(e) => { e.preventDefault(); accept(entry); }}>
              <code>${entry.kind === 'function' ? entry.def.signature : entry.text}</code>
              <span class="muted"> ${entry.kind === 'function' ? entry.def.returns : entry.def?.type ?? ''}${entry.def?.unit ? ` [${entry.def.unit}]` : ''} — ${entry.def?.description ?? ''}</span>
            </li>`)}
        </ul>`}
    </div>
    ${catalogueError && html`<p class="error">Field catalogue unavailable: ${catalogueError}</p>`}
  `;
}
