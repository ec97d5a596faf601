// Live feed: alerts and the user's matches as the websocket delivers them; pausable, filterable.
import { useMemo, useState } from 'preact/hooks';
import { bandColours, mjdToIso, num } from '../lib/format.js';
import { html } from '../lib/html.js';
import { MAX_ITEMS, useLive } from '../lib/live.js';
import { compileQuickFilter } from '../lib/quickfilter.js';
import { link } from '../lib/router.js';

const SHOWN = 200;

export function LivePage({ me }) {
  const state = useLive();
  const [paused, setPaused] = useState(null);
  const [query, setQuery] = useState('');
  const [streams, setStreams] = useState({ matches: true, enriched: true, filter: true });
  const matcher = useMemo(() => compileQuickFilter(query), [query]);

  // Paused: the list shown is frozen; what arrives meanwhile is counted and shown on resume.
  const items = paused ?? state.items;
  const waiting = paused ? state.received - paused.received : 0;
  const visible = items.filter((item) => streams[item.stream] !== false && matcher(item));

  return html`
    <section class="live">
      <div class="toolbar">
        <span class=${`dot ${state.status}`} title=${state.detail}></span>
        <span class="status-text" data-testid="live-status">${state.status}${state.detail ? ` — ${state.detail}` : ''}</span>
        <button data-testid="pause" onClick=${() => setPaused(paused ? null : Object.assign([...state.items], { received: state.received }))}>${paused ? `Resume (${waiting} new)` : 'Pause'}</button>
        <input class="grow" data-testid="live-filter" placeholder="filter: ZTF18 mag<18 band=r anomaly.score>0.6" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} />
        <label class="inline"><input type="checkbox" checked=${streams.matches} onChange=${(e) => setStreams({ ...streams, matches: e.currentTarget.checked })} /> my matches</label>
        ${state.watching.length > 0 && html`<label class="inline" title=${state.watching.join(', ')}><input type="checkbox" checked=${streams.filter} onChange=${(e) => setStreams({ ...streams, filter: e.currentTarget.checked })} /> public filters (${state.watching.length})</label>`}
        ${me.scopes.includes('admin') && html`<label class="inline"><input type="checkbox" checked=${streams.enriched} onChange=${(e) => setStreams({ ...streams, enriched: e.currentTarget.checked })} /> all alerts</label>`}
      </div>
      ${state.notices.map((n) => html`<p class="notice">${n.type}${n.code ? ` ${n.code}` : ''}: ${n.message}</p>`)}
      <p class="muted">${state.received} received since the page opened; the newest ${MAX_ITEMS} are kept, ${Math.min(visible.length, SHOWN)} shown.</p>
      <table class="feed" data-testid="feed">
        <thead><tr><th>received</th><th>stream</th><th>filter</th><th>survey</th><th>alert</th><th>object</th><th>observed (UTC)</th><th>band</th><th>mag</th><th>anomaly</th></tr></thead>
        <tbody>
          ${visible.slice(0, SHOWN).map((item) => html`
            <tr key=${item.key} data-alert-id=${item.alert.alertId}>
              <td>${new Date(item.at).toISOString().slice(11, 19)}</td>
              <td><span class=${`tag ${item.stream}`}>${{ matches: 'match', filter: 'public filter', enriched: 'alert' }[item.stream] ?? item.stream}</span></td>
              <td>${item.filter ? html`<a href=${link('filters', item.filter.id)}>${item.filter.id}</a> v${item.filter.version}` : ''}</td>
              <td>${item.alert.survey}</td>
              <td><a href=${link('alert', item.alert.alertId)}>${item.alert.alertId}</a></td>
              <td><a href=${link('object', item.alert.objectId)}>${item.alert.objectId}</a></td>
              <td>${mjdToIso(item.alert.mjd)}</td>
              <td><span style=${`color:${bandColours[item.alert.band] ?? 'inherit'}`}>${item.alert.band ?? ''}</span></td>
              <td>${num(item.alert.mag)}</td>
              <td>${num(item.alert.anomaly?.score)}</td>
            </tr>`)}
        </tbody>
      </table>
      ${visible.length === 0 && html`<p class="muted empty">Nothing yet. Alerts appear here as the websocket delivers them${query ? ' (and match the filter above)' : ''}.</p>`}
    </section>
  `;
}
