// The three cutouts of an alert as PNG (rendered by the server from the FITS stamps), with FITS links.
import { useEffect, useState } from 'preact/hooks';
import { apiBlobUrl } from './api.js';
import { html } from './html.js';

const KINDS = ['science', 'template', 'difference'];

function Cutout({ alertId, kind, archived }) {
  const [url, setUrl] = useState(null);
  const [error, setError] = useState(archived ? '' : 'not archived');
  useEffect(() => {
    if (!archived) return undefined;
    let made;
    apiBlobUrl(`/alerts/${encodeURIComponent(alertId)}/cutouts/${kind}?format=png`).then(
      (u) => {
        made = u;
        setUrl(u);
      },
      (err) => setError(err.status === 404 ? 'not archived' : `${err.code ?? ''} ${err.message}`),
    );
    return () => made && URL.revokeObjectURL(made);
  }, [alertId, kind]);
  const fits = async () => {
    const u = await apiBlobUrl(`/alerts/${encodeURIComponent(alertId)}/cutouts/${kind}?format=fits`);
    const a = Object.assign(document.createElement('a'), { href: u, download: `${alertId}-${kind}.fits` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(u), 10_000);
  };
  return html`
    <figure class="cutout" data-testid=${`cutout-${kind}`}>
      ${url ? html`<img src=${url} alt=${`${kind} cutout`} width="200" height="200" />` : html`<div class="placeholder">${error || 'loading…'}</div>`}
      <figcaption>${kind} ${url && html`<button class="link" onClick=${fits}>FITS</button>`}</figcaption>
    </figure>
  `;
}

/** `kinds`: the cutouts the archive holds for the alert (GET /alerts/{id} lists them); unknown means try all three. */
export function Cutouts({ alertId, kinds }) {
  return html`<div class="cutouts">${KINDS.map((kind) => html`<${Cutout} key=${kind} alertId=${alertId} kind=${kind} archived=${!kinds || kinds.includes(kind)} />`)}</div>`;
}
