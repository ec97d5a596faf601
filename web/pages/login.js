// Login: paste an API token (nightjar token create, or the Tokens page of another session).
import { useState } from 'preact/hooks';
import { api, setToken } from '../lib/api.js';
import { html } from '../lib/html.js';

export function LoginPage({ onLogin }) {
  const [token, setText] = useState('');
  const [remember, setRemember] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const me = await api('/me', { token: token.trim() });
      setToken(token.trim(), remember);
      onLogin(me);
    } catch (err) {
      setError(`${err.code ?? ''} ${err.message}`.trim());
    } finally {
      setBusy(false);
    }
  }

  return html`
    <form class="login card" onSubmit=${submit}>
      <h1>Nightjar</h1>
      <p class="muted">Paste an API token (<code>nightjar token create</code>). It stays in this browser tab${remember ? ' and is remembered on this computer' : ''}; it is sent only to this server.</p>
      <label>Token <input name="token" type="password" autocomplete="off" value=${token} onInput=${(e) => setText(e.currentTarget.value)} placeholder="nj_…" required /></label>
      <label class="inline"><input type="checkbox" checked=${remember} onChange=${(e) => setRemember(e.currentTarget.checked)} /> remember on this computer</label>
      <button type="submit" disabled=${busy || !token.trim()}>Sign in</button>
      ${error && html`<p class="error" role="alert">${error}</p>`}
    </form>
  `;
}
