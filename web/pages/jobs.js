// Jobs: asynchronous work over the archive (backfill a filter, SQL query, export) — submit, follow, fetch results.
import { useEffect, useState } from 'preact/hooks';
import { api, apiBlobUrl } from '../lib/api.js';
import { html } from '../lib/html.js';

const TEMPLATES = {
  backfill: { filterId: 'my-filter', since: 60400, until: 60410, deliver: false },
  query: { sql: 'SELECT survey, count() AS n FROM alerts GROUP BY survey', format: 'csv' },
  export: { ra: 150.1, dec: 2.2, radius: 600, format: 'jsonl', lightcurve: false, cutouts: false },
};

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);


export function JobsPage() {
  const [jobs, setJobs] = useState(null);
  const [kind, setKind] = useState('query');
  const [params, setParams] = useState(JSON.stringify(TEMPLATES.query, null, 2));
  const [error, setError] = useState('');

  const refresh = () => api('/jobs').then((b) => setJobs(b.jobs ?? b), (err) => setError(`${err.code}: ${err.message}`));
  useEffect(() => {
    refresh();
    // Follow queued and running jobs while the page is open.
    const timer = setInterval(refresh, 3_000);
    return () => clearInterval(timer);
  }, []);

  async function submit(event) {
    event.preventDefault();
    setError('');
    try {
      await api('/jobs', { method: 'POST', body: { kind, params: JSON.parse(params) } });
      refresh();
    } catch (err) {
      setError(err instanceof SyntaxError ? `parameters are not JSON: ${err.message}` : `${err.code}: ${err.message}`);
    }
  }
  const download = async (job) => {
    const url = await apiBlobUrl(`/jobs/${encodeURIComponent(job.id)}/results`);
    Object.assign(document.createElement('a'), { href: url, download: `${job.id}.${job.result?.format ?? 'txt'}` }).click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  const cancel = async (job) => {
    try {
      await api(`/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
      refresh();
    } catch (err) {
      setError(`${err.code}: ${err.message}`);
    }
  };

  return html`
    <section>
      <h1>Jobs</h1>
      <form class="card" onSubmit=${submit}>
        <label>Kind <select value=${kind} onChange=${(e) => { setKind(e.currentTarget.value); setParams(JSON.stringify(TEMPLATES[e.currentTarget.value], null, 2)); }}>
          ${Object.keys(TEMPLATES).map((k) => html`<option value=${k}>${k}</option>`)}
        </select></label>
        <label>Parameters (JSON; docs/jobs.md)<textarea rows="5" spellcheck="false" value=${params} onInput=${(e) => setParams(e.currentTarget.value)}></textarea></label>
        <button type="submit">Submit</button>
      </form>
      ${error && html`<p class="error">${error}</p>`}
      ${jobs && html`
        <table data-testid="jobs">
          <thead><tr><th>id</th><th>kind</th><th>state</th><th>progress</th><th>created</th><th>result</th><th></th></tr></thead>
          <tbody>${jobs.map((job) => html`
            <tr key=${job.id}>
              <td><code>${job.id}</code></td>
              <td>${job.kind}</td>
              <td><span class=${`tag ${job.state}`}>${job.state}</span>${job.error ? html` <span class="error">${job.error.code}: ${job.error.message}</span>` : ''}</td>
              <td>${job.progress ? `${job.progress.done}${job.progress.total === null ? '' : ` / ${job.progress.total}`}` : '—'}</td>
              <td>${job.createdAt?.replace('T', ' ').slice(0, 19)}</td>
              <td>${job.result ? html`${job.result.rows} rows, ${job.result.bytes} bytes <button class="link" onClick=${() => download(job)}>download</button>` : '—'}</td>
              <td>${FINISHED.has(job.state) ? html`<button class="link" onClick=${() => cancel(job)}>delete</button>` : html`<button class="link" onClick=${() => cancel(job)}>cancel</button>`}</td>
            </tr>`)}
          </tbody>
        </table>`}
      ${jobs?.length === 0 && html`<p class="muted">No jobs.</p>`}
    </section>
  `;
}
