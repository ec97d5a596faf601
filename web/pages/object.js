// One object: its position, latest state, annotations and the whole archived light curve.
import { useEffect, useState } from 'preact/hooks';
import { api, apiBlobUrl } from '../lib/api.js';
import { Crossmatches, Facts, Watchlists, Anomaly } from '../lib/annotations.js';
import { decDms, mjdToIso, num, raHms } from '../lib/format.js';
import { html } from '../lib/html.js';
import { LightCurve } from '../lib/lightcurve.js';
import { link } from '../lib/router.js';

const FACTS = [
  ['survey', (o) => o.survey],
  ['position', (o) => `${raHms(o.ra)} ${decDms(o.dec)} (${num(o.ra, 6)}, ${num(o.dec, 6)})`],
  ['detections', (o) => o.detections],
  ['first detection (UTC)', (o) => (typeof o.firstDetectionMjd === 'number' ? mjdToIso(o.firstDetectionMjd) : null)],
  ['last alert', (o) => (o.lastAlertId ? html`<a href=${link('alert', o.lastAlertId)}>${o.lastAlertId}</a> at ${mjdToIso(o.lastMjd)}` : null)],
  ['last band, magnitude', (o) => (o.band ? `${o.band} ${num(o.mag, 3)}` : null)],
];

async function downloadCsv(id) {
  const url = await apiBlobUrl(`/objects/${encodeURIComponent(id)}?format=csv`);
  Object.assign(document.createElement('a'), { href: url, download: `${id}.csv` }).click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function ObjectPage({ id }) {
  const [object, setObject] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api(`/objects/${encodeURIComponent(id)}`).then((body) => setObject(body.object ?? body), (err) => setError(`${err.code}: ${err.message}`));
  }, [id]);
  if (error) return html`<section><h1>Object ${id}</h1><p class="error">${error}</p></section>`;
  if (!object) return html`<p class="muted">Loading object ${id}…</p>`;
  const notes = object.annotations ?? {};
  return html`
    <section data-testid="object-page">
      <h1>Object ${object.objectId}</h1>
      <${Facts} object=${object} fields=${FACTS} />
      <p><button class="link" onClick=${() => downloadCsv(id)}>light curve as CSV</button></p>
      <h2>Light curve</h2>
      <${LightCurve} points=${object.lightcurve ?? []} />
      <h2>Anomaly score (latest)</h2>
      <${Anomaly} anomaly=${notes.anomaly} />
      <h2>Crossmatches</h2>
      <${Crossmatches} xmatch=${notes.xmatch} />
      <h2>Watchlists and watchmaps</h2>
      <${Watchlists} watchlist=${notes.watchlist} watchmap=${notes.watchmap} />
    </section>
  `;
}
