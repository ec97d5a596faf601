// Annotation panels shared by the alert and object pages: crossmatches, watchlists, anomaly score.
import { html } from './html.js';
import { num } from './format.js';

function present(value) {
  return value !== null && value !== undefined && value !== '';
}

export function Crossmatches({ xmatch }) {
  const catalogs = Object.entries(xmatch ?? {});
  if (catalogs.length === 0) return html`<p class="muted">No crossmatch annotations.</p>`;
  return html`
    <table data-testid="crossmatches">
      <thead><tr><th>catalog</th><th>nearest id</th><th>separation (″)</th><th>within radius</th><th>ra, dec</th><th>columns</th></tr></thead>
      <tbody>${catalogs.map(([name, m]) => html`
        <tr key=${name} class=${present(m?.id) ? '' : 'muted'}>
          <td>${name}</td>
          <td>${m?.id ?? '—'}</td>
          <td>${num(m?.sep, 2)}</td>
          <td>${m?.count ?? 0}</td>
          <td>${present(m?.ra) ? `${num(m.ra, 5)}, ${num(m.dec, 5)}` : '—'}</td>
          <td>${Object.entries(m?.cols ?? {}).map(([k, v]) => html`<span class="kv">${k}=${typeof v === 'number' ? num(v, 3) : String(v)}</span> `)}</td>
        </tr>`)}
      </tbody>
    </table>`;
}

export function Watchlists({ watchlist, watchmap }) {
  const lists = Array.isArray(watchlist?.hits) ? watchlist.hits : [];
  const maps = Array.isArray(watchmap?.hits) ? watchmap.hits : [];
  if (lists.length === 0 && maps.length === 0) return html`<p class="muted" data-testid="watchlists">No watchlist or watchmap hits.</p>`;
  return html`
    <table data-testid="watchlists">
      <thead><tr><th>kind</th><th>owner</th><th>list or map</th><th>entry</th><th>separation (″)</th></tr></thead>
      <tbody>
        ${lists.map((h, i) => html`<tr key=${`l${i}`}><td>watchlist</td><td>${h.owner}</td><td>${h.list}</td><td>${h.name}</td><td>${num(h.sep, 2)}</td></tr>`)}
        ${maps.map((h, i) => html`<tr key=${`m${i}`}><td>watchmap</td><td>${h.owner}</td><td>${h.map}</td><td>—</td><td>—</td></tr>`)}
      </tbody>
    </table>`;
}

export function Anomaly({ anomaly }) {
  const score = anomaly?.score;
  if (typeof score !== 'number') return html`<p class="muted" data-testid="anomaly">No anomaly score (no model was loaded when the alert was processed).</p>`;
  return html`
    <div class="anomaly" data-testid="anomaly">
      <meter min="0" max="1" low="0.5" high="0.7" optimum="0" value=${score}></meter>
      <strong>${num(score, 3)}</strong> ${anomaly.model ? html`<span class="muted">model ${anomaly.model}</span>` : ''}
    </div>`;
}

/** A definition list of the given fields that are present. */
export function Facts({ object, fields }) {
  return html`<dl class="facts">${fields.filter(([, get]) => present(get(object))).map(([label, get]) => html`<dt>${label}</dt><dd>${get(object)}</dd>`)}</dl>`;
}
