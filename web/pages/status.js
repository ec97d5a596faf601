// Status: ingest rate, consumer groups (workers) and lag, dead letters by reason, Kafka and ClickHouse.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { html } from '../lib/html.js';

const POLL_MS = 5_000;

export function StatusPage() {
  const [status, setStatus] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let stopped = false;
    const load = () => api('/status').then((s) => !stopped && (setStatus(s), setError('')), (err) => !stopped && setError(`${err.code}: ${err.message}`));
    load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  if (!status) return html`<section><h1>Status</h1>${error ? html`<p class="error">${error}</p>` : html`<p class="muted">Loading…</p>`}</section>`;
  const { ingest, groups, deadLetters, dependencies, thisProcess } = status;
  const rate = (v) => (v === null ? 'measuring…' : `${v}/s`);
  return html`
    <section data-testid="status-page">
      <h1>Status</h1>
      ${error && html`<p class="error">${error} (showing the last answer, ${status.at})</p>`}
      <div class="cards">
        ${dependencies.map((d) => html`<div class=${`card ${d.ok ? 'good' : 'bad'}`} data-testid=${`dependency-${d.name}`}><h3>${d.name}</h3><p>${d.ok ? 'up' : 'DOWN'}</p><p class="muted">${d.detail}</p></div>`)}
        <div class="card" data-testid="ingest"><h3>Ingest</h3><p>${rate(ingest.producedPerSecond)} arriving, ${rate(ingest.consumedPerSecond)} processed</p><p class="muted">${ingest.produced} messages on ${ingest.topics.join(', ') || 'no input topic yet'}${ingest.windowSeconds ? `; over the last ${ingest.windowSeconds} s` : ''}</p></div>
        <div class="card"><h3>Dead letters</h3><p>${deadLetters.total ?? '—'}</p><p class="muted">${deadLetters.error ? `archive: ${deadLetters.error}` : 'archived by the sink'}</p></div>
      </div>
      <h2>Consumer groups</h2>
      <table data-testid="groups">
        <thead><tr><th>role</th><th>group</th><th>state</th><th>members</th><th>lag</th></tr></thead>
        <tbody>${groups.map((g) => html`
          <tr key=${g.group}>
            <td>${g.role}</td><td><code>${g.group}</code></td><td>${g.state}</td>
            <td>${g.members.length === 0 ? '—' : g.members.map((m) => html`<div>${m.clientId} <span class="muted">${m.host}</span></div>`)}</td>
            <td title=${g.partitions.map((p) => `${p.topic}[${p.partition}] ${p.committed}/${p.end}`).join('\n')}>${g.lag ?? 'no commits yet'}</td>
          </tr>`)}
        </tbody>
      </table>
      <h2>Dead letters by reason</h2>
      ${deadLetters.byReason.length === 0 ? html`<p class="muted" data-testid="dead-letters">None archived.</p>` : html`
        <table data-testid="dead-letters"><thead><tr><th>code</th><th>count</th></tr></thead><tbody>${deadLetters.byReason.map((r) => html`<tr key=${r.code}><td><code>${r.code}</code></td><td>${r.count}</td></tr>`)}</tbody></table>`}
      ${thisProcess.counters.length > 0 && html`
        <h2>This API process</h2>
        <p class="muted">Counters of the roles running in the same process as the API (up ${thisProcess.uptimeSeconds} s).</p>
        <table><tbody>${thisProcess.counters.map((c) => html`<tr><td><code>${c.name}</code></td><td>${Object.entries(c.labels).map(([k, v]) => `${k}=${v}`).join(' ')}</td><td>${c.value}</td></tr>`)}</tbody></table>`}
      <p class="muted">Updated ${status.at}; refreshed every ${POLL_MS / 1000} s. Prometheus metrics: <a href="/metrics">/metrics</a>.</p>
    </section>
  `;
}
