// Tokens: list, create (the secret is shown once), revoke.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { html } from '../lib/html.js';

export function TokensPage({ me }) {
  const [tokens, setTokens] = useState(null);
  const [form, setForm] = useState({ name: '', scopes: ['read'], expiresIn: '30d' });
  const [created, setCreated] = useState(null);
  const [error, setError] = useState('');
  const refresh = () => api('/tokens').then((b) => setTokens(b.tokens), (err) => setError(`${err.code}: ${err.message}`));
  useEffect(() => {
    refresh();
  }, []);

  const toggle = (scope) => setForm({ ...form, scopes: form.scopes.includes(scope) ? form.scopes.filter((s) => s !== scope) : [...form.scopes, scope] });
  async function create(event) {
    event.preventDefault();
    setError('');
    try {
      setCreated(await api('/tokens', { method: 'POST', body: { name: form.name || undefined, scopes: form.scopes, expiresIn: form.expiresIn } }));
      refresh();
    } catch (err) {
      setError(`${err.code}: ${err.message}`);
    }
  }
  async function revoke(token) {
    if (!confirm(`Revoke ${token.prefix}… (${token.name || 'unnamed'})? Programs using it stop working within seconds.`)) return;
    try {
      await api(`/tokens/${token.id}`, { method: 'DELETE' });
      refresh();
    } catch (err) {
      setError(`${err.code}: ${err.message}`);
    }
  }

  return html`
    <section>
      <h1>Tokens</h1>
      <form class="card" onSubmit=${create}>
        <label>Name <input value=${form.name} placeholder="e.g. my TOM" onInput=${(e) => setForm({ ...form, name: e.currentTarget.value })} /></label>
        <fieldset><legend>Scopes</legend>
          ${['read', 'write', ...(me.user.admin ? ['admin'] : [])].map((s) => html`<label class="inline"><input type="checkbox" checked=${form.scopes.includes(s)} onChange=${() => toggle(s)} /> ${s}</label>`)}
        </fieldset>
        <label>Expires in <input value=${form.expiresIn} pattern="\\d{1,6}[mhdw]|never" onInput=${(e) => setForm({ ...form, expiresIn: e.currentTarget.value })} /> <span class="muted">30d, 12h, 2w or never</span></label>
        <button type="submit" disabled=${form.scopes.length === 0}>Create token</button>
      </form>
      ${created && html`<div class="card secret"><p>New token — copy it now, it is not shown again:</p><code data-testid="new-token">${created.token}</code></div>`}
      ${error && html`<p class="error">${error}</p>`}
      ${tokens && html`
        <table data-testid="tokens">
          <thead><tr><th>prefix</th><th>name</th><th>scopes</th><th>created</th><th>expires</th><th>state</th><th></th></tr></thead>
          <tbody>${tokens.map((t) => html`
            <tr key=${t.id} class=${t.revokedAt ? 'muted' : ''}>
              <td><code>${t.prefix}…</code>${t.id === me.token.id ? ' (this session)' : ''}</td>
              <td>${t.name}</td>
              <td>${t.scopes.join(', ')}</td>
              <td>${t.createdAt.slice(0, 10)}</td>
              <td>${t.expiresAt ? t.expiresAt.slice(0, 10) : 'never'}</td>
              <td>${t.revokedAt ? `revoked ${t.revokedAt.slice(0, 10)}` : t.expiresAt && t.expiresAt < new Date().toISOString() ? 'expired' : 'valid'}</td>
              <td>${!t.revokedAt && html`<button class="link" onClick=${() => revoke(t)}>revoke</button>`}</td>
            </tr>`)}
          </tbody>
        </table>`}
    </section>
  `;
}
