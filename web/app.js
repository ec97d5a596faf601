// The dashboard's shell: login gate, navigation, hash routes to pages.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, clearToken, getToken } from './lib/api.js';
import { html } from './lib/html.js';
import { ENRICHED_FIELDS, live } from './lib/live.js';
import { useRoute } from './lib/router.js';
import { AlertPage } from './pages/alert.js';
import { FilterEditor, FiltersPage } from './pages/filters.js';
import { JobsPage } from './pages/jobs.js';
import { LivePage } from './pages/live.js';
import { LoginPage } from './pages/login.js';
import { ObjectPage } from './pages/object.js';
import { SkyPage } from './pages/sky.js';
import { StatusPage } from './pages/status.js';
import { TokensPage } from './pages/tokens.js';

const NAV = [
  ['live', 'Live'],
  ['filters', 'Filters'],
  ['sky', 'Sky'],
  ['jobs', 'Jobs'],
  ['tokens', 'Tokens'],
  ['status', 'Status'],
];

function Page({ route, me }) {
  const [id] = route.params;
  switch (route.page) {
    case 'live':
      return html`<${LivePage} me=${me} />`;
    case 'filters':
      return id ? html`<${FilterEditor} key=${id} id=${id} me=${me} />` : html`<${FiltersPage} me=${me} />`;
    case 'alert':
      return html`<${AlertPage} key=${id} id=${id} />`;
    case 'object':
      return html`<${ObjectPage} key=${id} id=${id} />`;
    case 'sky':
      return html`<${SkyPage} />`;
    case 'jobs':
      return html`<${JobsPage} />`;
    case 'tokens':
      return html`<${TokensPage} me=${me} />`;
    case 'status':
      return html`<${StatusPage} />`;
    default:
      return html`<p class="error">No page ${route.page}.</p>`;
  }
}

function App() {
  const route = useRoute();
  const [me, setMe] = useState(null);
  const [checking, setChecking] = useState(Boolean(getToken()));

  const logout = () => {
    clearToken();
    live.stop();
    setMe(null);
  };

  useEffect(() => {
    if (!getToken()) return;
    api('/me').then(setMe, () => clearToken()).finally(() => setChecking(false));
  }, []);
  useEffect(() => {
    const onRefused = () => logout();
    window.addEventListener('nightjar:unauthorised', onRefused);
    return () => window.removeEventListener('nightjar:unauthorised', onRefused);
  }, []);
  useEffect(() => {
    if (!me) return;
    // Everyone gets their own matches; administrators also the whole enriched stream.
    live.start([{ id: 'matches', stream: 'matches' }, ...(me.scopes.includes('admin') ? [{ id: 'enriched', stream: 'enriched', fields: ENRICHED_FIELDS }] : [])]);
  }, [me]);

  if (checking) return html`<p class="muted pad">Checking the token…</p>`;
  if (!me) return html`<${LoginPage} onLogin=${setMe} />`;
  return html`
    <header class="top">
      <a class="brand" href="#/live">Nightjar</a>
      <nav>${NAV.map(([page, label]) => html`<a href=${`#/${page}`} class=${route.page === page ? 'active' : ''}>${label}</a>`)}</nav>
      <span class="who">${me.user.name}${me.user.admin ? ' (admin)' : ''} <button class="link" onClick=${logout}>log out</button></span>
    </header>
    <main><${Page} route=${route} me=${me} /></main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
