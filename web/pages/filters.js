// Filters: the list, and the editor (validation as you type, preview on alerts, versions, activate/pause).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { ExpressionInput } from '../lib/expression-input.js';
import { html } from '../lib/html.js';
import { useLive, live } from '../lib/live.js';
import { link, navigate } from '../lib/router.js';

export function FiltersPage({ me }) {
  const [filters, setFilters] = useState(null);
  const [error, setError] = useState('');
  const [newId, setNewId] = useState('');
  useEffect(() => {
    api('/filters').then((b) => setFilters(b.filters), (err) => setError(err.message));
  }, []);
  return html`
    <section>
      <h1>Filters</h1>
      <form class="toolbar" onSubmit=${(e) => { e.preventDefault(); navigate(`filters/new?id=${encodeURIComponent(newId)}`); }}>
        <input placeholder="new filter id (a-z, 0-9, _ -)" pattern="[a-z0-9][a-z0-9_\\-]{0,62}" value=${newId} onInput=${(e) => setNewId(e.currentTarget.value)} required data-testid="new-filter-id" />
        <button type="submit">New filter</button>
      </form>
      ${error && html`<p class="error">${error}</p>`}
      ${filters && html`
        <table>
          <thead><tr><th>id</th><th>owner</th><th>state</th><th>active version</th><th>versions</th><th>expression (newest)</th></tr></thead>
          <tbody>${filters.map((f) => html`
            <tr key=${f.id}>
              <td><a href=${link('filters', f.id)}>${f.id}</a>${f.public ? html` <span class="tag">public</span>` : ''}</td>
              <td>${f.owner}${f.owner === me.user.name ? ' (you)' : ''}</td>
              <td><span class=${`tag ${f.state}`}>${f.state}</span></td>
              <td>${f.activeVersion ?? '—'}</td>
              <td>${f.versions.length}</td>
              <td><code class="clip">${f.versions.at(-1)?.expression}</code></td>
            </tr>`)}
          </tbody>
        </table>`}
      ${filters?.length === 0 && html`<p class="muted">No filters yet.</p>`}
    </section>
  `;
}

/** Reads files as base64 (the survey messages POST /filters/test takes). */
function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ''));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

function Diagnostics({ result }) {
  if (!result) return null;
  if (result.failed) return html`<p class="error" data-testid="validation">Could not validate: ${result.failed}</p>`;
  if (result.ok && result.warnings.length === 0) return html`<p class="ok" data-testid="validation">Valid. Fields: ${result.fields.join(', ') || 'none'}; surveys: ${result.surveys.join(', ')}.</p>`;
  return html`
    <div data-testid="validation" class=${result.ok ? 'ok' : 'invalid'}>
      ${result.ok && html`<p class="ok">Valid, with warnings.</p>`}
      ${[...result.errors.map((d) => ['error', d]), ...result.warnings.map((d) => ['warning', d])].map(([kind, d]) => html`
        <div class=${`diagnostic ${kind}`} data-testid=${`diagnostic-${kind}`} data-start=${d.start} data-end=${d.end}>
          <strong>${d.code}</strong> at line ${d.line}, column ${d.column}: ${d.message}
          ${d.suggestion && html`<span class="suggestion"> — ${d.suggestion}</span>`}
          <pre class="caret">${d.caret}</pre>
        </div>`)}
    </div>`;
}

export function FilterEditor({ id, me }) {
  const creating = id === 'new';
  const newId = creating ? new URLSearchParams(location.hash.split('?')[1] ?? '').get('id') ?? '' : id;
  const [filter, setFilter] = useState(null);
  const [expression, setExpression] = useState('');
  const [validation, setValidation] = useState(null);
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const [preview, setPreview] = useState(null);
  const [stats, setStats] = useState(null);
  const [notices, setNotices] = useState([]);
  const [recentCount, setRecentCount] = useState(50);
  const sequence = useRef(0);

  const load = async () => {
    const f = await api(`/filters/${encodeURIComponent(id)}`);
    setFilter(f);
    setExpression((current) => current || f.versions.at(-1)?.expression || '');
    if (f.owner === me.user.name) {
      api(`/filters/${encodeURIComponent(id)}/stats`).then(setStats, () => setStats(null));
      api(`/filters/${encodeURIComponent(id)}/notices`).then((b) => setNotices(b.notices), () => setNotices([]));
    }
  };
  useEffect(() => {
    if (!creating) load().catch((err) => setError(`${err.code}: ${err.message}`));
  }, [id]);

  // Validation as you type: debounced; an answer to an older text never overwrites a newer one.
  useEffect(() => {
    if (!expression.trim()) {
      setValidation(null);
      return undefined;
    }
    const mine = ++sequence.current;
    const timer = setTimeout(async () => {
      try {
        const result = await api('/filters/validate', { method: 'POST', body: { expression } });
        if (mine === sequence.current) setValidation(result);
      } catch (err) {
        if (mine === sequence.current) setValidation({ failed: err.message, errors: [], warnings: [] });
      }
    }, 250);
    return () => clearTimeout(timer);
  }, [expression]);

  const owned = creating || filter?.owner === me.user.name;
  const { watching } = useLive();
  const watched = watching.includes(id);
  const toggleWatch = () => (watched ? live.remove(`filter:${id}`) : live.add({ id: `filter:${id}`, stream: 'filter', filter: id }));
  const act = (fn) => async () => {
    setError('');
    setMessage('');
    try {
      await fn();
    } catch (err) {
      setError(`${err.code}: ${err.message}`);
    }
  };

  const save = act(async () => {
    if (creating) {
      await api('/filters', { method: 'POST', body: { id: newId, expression } });
      navigate(`filters/${encodeURIComponent(newId)}`);
      return;
    }
    const f = await api(`/filters/${encodeURIComponent(id)}/versions`, { method: 'POST', body: { expression } });
    setFilter(f);
    setMessage(`Saved as version ${f.versions.at(-1).version}${f.state === 'active' ? `; version ${f.activeVersion} keeps running until you activate the new one` : ''}.`);
  });
  const activate = (version) => act(async () => {
    const f = await api(`/filters/${encodeURIComponent(id)}/activate`, { method: 'POST', body: version ? { version } : {} });
    setFilter(f);
    setMessage(`Version ${f.activeVersion} is active; workers pick it up within seconds.`);
  });
  const pause = act(async () => {
    const f = await api(`/filters/${encodeURIComponent(id)}/pause`, { method: 'POST' });
    setFilter(f);
    setMessage('Paused.');
  });
  const runPreview = act(async () => {
    const input = document.querySelector('[data-testid=preview-files]');
    const files = [...(input?.files ?? [])];
    if (files.length === 0) throw Object.assign(new Error('choose one or more alert files (ZTF .avro containers or Rubin Confluent-framed messages)'), { code: 'NO_FILES' });
    const messages = await Promise.all(files.slice(0, 100).map(readBase64));
    const result = await api('/filters/test', { method: 'POST', body: { expression, messages } });
    setPreview({ ...result, names: files.map((f) => f.name) });
  });
  const runRecent = act(async () => {
    setPreview(null);
    const result = await api('/filters/test/recent', { method: 'POST', body: { expression, count: recentCount } });
    setPreview({ ...result, names: result.messages.map((m) => `${m.topic}[${m.partition}]@${m.offset}, ${m.timestamp.replace('T', ' ').slice(0, 19)}`) });
  });

  const latest = filter?.versions.at(-1);
  const unchanged = latest && latest.expression === expression;
  return html`
    <section class="editor">
      <p><a href="#/filters">← filters</a></p>
      <h1>${creating ? `New filter ${newId}` : filter ? html`${filter.id} <span class=${`tag ${filter.state}`} data-testid="filter-state">${filter.state}</span>` : id}</h1>
      ${filter && html`<p class="muted">Owner ${filter.owner}; matches go to <code>${filter.topic}</code>${filter.pausedReason ? html`; paused: ${filter.pausedReason}` : ''}.</p>`}
      ${filter && !owned && filter.public && html`<p><button data-testid="watch-filter" onClick=${toggleWatch}>${watched ? 'Stop watching its matches' : 'Watch its matches in the live feed'}</button></p>`}
      <${ExpressionInput} value=${expression} onInput=${setExpression} diagnostics=${validation ?? {}} readOnly=${!owned} />
      <${Diagnostics} result=${validation} />
      ${owned && html`
        <div class="toolbar">
          <button data-testid="save" disabled=${!validation?.ok || unchanged} onClick=${save}>${creating ? 'Create (draft)' : 'Save as new version'}</button>
          ${!creating && html`<button data-testid="activate" onClick=${activate()} disabled=${!filter}>Activate newest version</button>`}
          ${!creating && html`<button data-testid="pause-filter" onClick=${pause} disabled=${filter?.state !== 'active'}>Pause</button>`}
        </div>`}
      ${message && html`<p class="ok" data-testid="editor-message">${message}</p>`}
      ${error && html`<p class="error" data-testid="editor-error">${error}</p>`}

      <h2>Preview</h2>
      <p class="muted">Run the expression, unsaved, over the newest survey messages on the input topics, or over alert files you choose (ZTF <code>.avro</code> containers, Rubin Confluent-framed messages; up to 100); the server decodes and annotates them as a worker would.</p>
      <div class="toolbar">
        <label class="inline">newest <input type="number" min="1" max="100" size="4" value=${recentCount} onInput=${(e) => setRecentCount(Number(e.currentTarget.value) || 50)} /> alerts</label>
        <button data-testid="preview-recent" onClick=${runRecent} disabled=${!validation?.ok}>Test on recent alerts</button>
        <span class="muted">or</span>
        <input type="file" multiple data-testid="preview-files" />
        <button data-testid="preview-run-files" onClick=${runPreview} disabled=${!validation?.ok}>Test on files</button>
      </div>
      ${preview && html`
        <div data-testid="preview">
          <p>${preview.evaluated} evaluated, <strong>${preview.matched.length} matched</strong>, ${preview.failures.length} unreadable.</p>
          <ul>${preview.matched.slice(0, 100).map((m) => html`<li><a href=${link('alert', m.alertId)}>${m.alertId}</a> (${m.survey} ${m.objectId}) — ${preview.names[m.input]}</li>`)}</ul>
          ${preview.failures.map((f) => html`<p class="error">${preview.names[f.input]}: ${f.code} ${f.message}</p>`)}
        </div>`}

      ${filter && html`
        <h2>Versions</h2>
        <table data-testid="versions">
          <thead><tr><th>version</th><th>created</th><th>expression</th><th>output</th><th></th></tr></thead>
          <tbody>${[...filter.versions].reverse().map((v) => html`
            <tr key=${v.version} class=${v.version === filter.activeVersion ? 'current' : ''}>
              <td>${v.version}${v.version === filter.activeVersion ? html` <span class="tag active">${filter.state === 'active' ? 'active' : 'last active'}</span>` : ''}</td>
              <td>${v.createdAt.replace('T', ' ').slice(0, 19)}</td>
              <td><code>${v.expression}</code></td>
              <td>${v.output.format}${v.output.lightcurve ? ', light curve' : ''}${v.output.cutouts ? ', cutouts' : ''}</td>
              <td>
                <button class="link" onClick=${() => setExpression(v.expression)}>edit from here</button>
                ${owned && html` <button class="link" onClick=${activate(v.version)}>activate</button>`}
              </td>
            </tr>`)}
          </tbody>
        </table>`}
      ${stats && html`
        <h2>Statistics</h2>
        <p data-testid="stats">${stats.available ? `version ${stats.version}: ${stats.evaluated} evaluated, ${stats.matched} matched, ${stats.errors} errors, ${stats.meanEvalMicros === null ? '—' : stats.meanEvalMicros.toFixed(1)} µs per alert (${stats.reporters} worker(s), ${stats.updatedAt})` : 'No worker has reported counters for this filter yet.'}</p>`}
      ${notices.length > 0 && html`
        <h2>Notices</h2>
        <ul>${notices.map((n) => html`<li><strong>${n.kind}</strong> ${n.at}: ${n.message}</li>`)}</ul>`}
    </section>
  `;
}
