// One alert: cutouts, light curve, crossmatches, watchlist hits, anomaly score, the survey record.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { Anomaly, Crossmatches, Facts, Watchlists } from '../lib/annotations.js';
import { Cutouts } from '../lib/cutouts.js';
import { decDms, mjdToIso, num, raHms } from '../lib/format.js';
import { html } from '../lib/html.js';
import { LightCurve } from '../lib/lightcurve.js';
import { link } from '../lib/router.js';

const FACTS = [
  ['survey', (a) => a.survey],
  ['object', (a) => html`<a href=${link('object', a.objectId)}>${a.objectId}</a>`],
  ['observed (UTC)', (a) => `${mjdToIso(a.mjd)} (MJD ${num(a.mjd, 5)})`],
  ['position', (a) => `${raHms(a.ra)} ${decDms(a.dec)} (${num(a.ra, 6)}, ${num(a.dec, 6)})`],
  ['band', (a) => a.band],
  ['magnitude', (a) => (a.mag === null || a.mag === undefined ? null : `${num(a.mag, 3)} ± ${num(a.magErr, 3)}`)],
  ['flux (nJy)', (a) => (a.flux === null || a.flux === undefined ? null : `${num(a.flux, 1)} ± ${num(a.fluxErr, 1)}`)],
  ['S/N', (a) => (typeof a.snr === 'number' ? num(a.snr, 1) : null)],
  ['reliability', (a) => (typeof a.reliability === 'number' ? num(a.reliability, 3) : null)],
  ['positive difference', (a) => (typeof a.isPositive === 'boolean' ? String(a.isPositive) : null)],
  ['archived', (a) => a.ingestedAt],
];

/** The alert body from GET /alerts/{id}, whether it answers the alert itself or wraps it. */
export function unwrapAlert(body) {
  return body?.alert && typeof body.alert === 'object' && body.alert.alertId ? body.alert : body;
}

export function AlertPage({ id }) {
  const [alert, setAlert] = useState(null);
  const [kinds, setKinds] = useState(undefined);
  const [points, setPoints] = useState(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api(`/alerts/${encodeURIComponent(id)}`).then(
      (body) => {
        const a = unwrapAlert(body);
        setAlert(a);
        setKinds(Array.isArray(body.cutouts) ? body.cutouts : undefined);
        if (Array.isArray(a.lightcurve) && a.lightcurve.length > 0) setPoints(a.lightcurve);
        else api(`/objects/${encodeURIComponent(a.objectId)}`).then((o) => setPoints((o.object ?? o).lightcurve ?? []), () => setPoints([]));
      },
      (err) => setError(`${err.code}: ${err.message}`),
    );
  }, [id]);

  if (error) return html`<section><h1>Alert ${id}</h1><p class="error" data-testid="alert-error">${error}</p></section>`;
  if (!alert) return html`<p class="muted">Loading alert ${id}…</p>`;
  const record = alert.ztf ?? alert.lsst;
  return html`
    <section class="alert-page" data-testid="alert-page">
      <h1>Alert ${alert.alertId}</h1>
      <div class="columns">
        <${Facts} object=${alert} fields=${FACTS} />
        <div><h2>Anomaly score</h2><${Anomaly} anomaly=${alert.anomaly} /><p><a href=${`#/sky?ra=${alert.ra}&dec=${alert.dec}`}>show on the sky</a></p></div>
      </div>
      <h2>Cutouts</h2>
      <${Cutouts} alertId=${alert.alertId} kinds=${kinds} />
      <h2>Light curve</h2>
      ${points === null ? html`<p class="muted">Loading the light curve…</p>` : html`<${LightCurve} points=${points} />`}
      <h2>Crossmatches</h2>
      <${Crossmatches} xmatch=${alert.xmatch} />
      <h2>Watchlists and watchmaps</h2>
      <${Watchlists} watchlist=${alert.watchlist} watchmap=${alert.watchmap} />
      ${alert.lc && html`<h2>Light-curve features</h2><pre class="json">${JSON.stringify(alert.lc, null, 1)}</pre>`}
      ${record && html`<details><summary>Survey record (${alert.survey})</summary><pre class="json">${JSON.stringify(record, null, 1)}</pre></details>`}
    </section>
  `;
}
