// Sky view: recent alerts (those the live feed delivered to this page), watchmaps and cone-search
// results. In Aladin Lite over the configured HiPS image survey when that answers and the browser
// has WebGL2; otherwise (and while the survey is being asked) on a Mollweide projection drawn
// locally in SVG, which works with no external network. A line under the title says which and why.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { AladinSky } from '../lib/aladin-sky.js';
import { api } from '../lib/api.js';
import { bandColours, num } from '../lib/format.js';
import { html } from '../lib/html.js';
import { useLive } from '../lib/live.js';
import { circle, galacticPlane, mollweide } from '../lib/projection.js';
import { link, navigate, parseHash } from '../lib/router.js';
import { chooseSkyView, surveySettings } from '../lib/sky-survey.js';

const W = 900;
const H = 450;
const SX = W / (4 * Math.SQRT2 + 0.2);
const SY = H / (2 * Math.SQRT2 + 0.1);

function project(ra, dec) {
  const p = mollweide(ra, dec);
  return [W / 2 + p.x * SX, H / 2 - p.y * SY];
}

function path(points) {
  let d = '';
  let last;
  for (const { ra, dec } of points) {
    const [x, y] = project(ra, dec);
    // Break the line where it crosses RA 0h, from one edge of the ellipse to the other.
    d += `${last !== undefined && Math.abs(ra - last) < 180 ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    last = ra;
  }
  return d;
}

function Graticule() {
  const lines = useMemo(() => {
    const out = [];
    for (let dec = -60; dec <= 60; dec += 30) out.push(path(Array.from({ length: 181 }, (_, i) => ({ ra: Math.min(359.9999, 0.0001 + i * 2), dec }))));
    for (let ra = 30; ra < 360; ra += 30) out.push(path(Array.from({ length: 91 }, (_, i) => ({ ra, dec: -90 + i * 2 }))));
    return out;
  }, []);
  const plane = useMemo(() => path(galacticPlane()), []);
  const border = useMemo(() => `${path(Array.from({ length: 91 }, (_, i) => ({ ra: 0.0001, dec: -90 + i * 2 })))}${path(Array.from({ length: 91 }, (_, i) => ({ ra: 359.9999, dec: -90 + i * 2 })))}`, []);
  return html`
    <g class="graticule">
      <path d=${border} class="border" />
      ${lines.map((d) => html`<path d=${d} />`)}
      <path d=${plane} class="galactic" />
      ${[0, 60, 120, 240, 300].map((ra) => {
        const [x, y] = project(ra, 0);
        return html`<text x=${x} y=${y - 3}>${ra / 15}h</text>`;
      })}
    </g>`;
}

/** SVG path data of a watchmap outline: cone edge, polygon, or MOC cells. */
function outlinePaths(outline) {
  const closed = (points) => `${path([...points, points[0]])}`;
  if (outline.cone) return [closed(circle(outline.cone.ra, outline.cone.dec, outline.cone.radius / 3600))];
  if (outline.polygon) return [closed(outline.polygon.map(([ra, dec]) => ({ ra, dec })))];
  return (outline.cells ?? []).map((corners) => closed(corners.map(([ra, dec]) => ({ ra, dec }))));
}

function Watchmaps({ outlines }) {
  return html`<g class="watchmaps">${outlines.map((o) => html`<g data-watchmap=${o.name}><title>watchmap ${o.name} (${o.type}${o.order !== undefined ? `, drawn at order ${o.order}` : ''})</title>${outlinePaths(o).map((d) => html`<path d=${d} />`)}</g>`)}</g>`;
}

/** The line saying which sky view is shown and why, with the toggle when both work. */
function SkyMode({ view, url, preferOffline, onToggle }) {
  if (view.mode === 'probing') return html`<p class="sky-mode" data-testid="sky-mode" data-mode="probing">asking the image survey… (offline sky view meanwhile)</p>`;
  if (view.mode === 'offline') return html`<p class="sky-mode" data-testid="sky-mode" data-mode="offline">${view.reason}</p>`;
  return html`<p class="sky-mode" data-testid="sky-mode" data-mode=${preferOffline ? 'offline' : 'aladin'}>
    ${preferOffline ? 'offline sky view (image survey available)' : html`Aladin Lite over <code>${url}</code>`}
    <button type="button" class="link" data-testid="sky-toggle" onClick=${onToggle}>${preferOffline ? 'show the image survey' : 'show the offline view'}</button>
  </p>`;
}

export function SkyPage() {
  const state = useLive();
  const query = parseHash().query;
  const [cone, setCone] = useState({ ra: query.get('ra') ?? '', dec: query.get('dec') ?? '', radius: '60' });
  const [hits, setHits] = useState([]);
  const [error, setError] = useState('');
  const [hover, setHover] = useState(null);
  const [outlines, setOutlines] = useState([]);
  const [searched, setSearched] = useState(null);
  const survey = useMemo(() => surveySettings(), []);
  // { mode: 'probing' | 'aladin' | 'offline', reason? }; `preferOffline` is the reader's toggle.
  const [view, setView] = useState({ mode: 'probing' });
  const [preferOffline, setPreferOffline] = useState(false);
  useEffect(() => {
    api('/watchmaps/outlines').then((b) => setOutlines(b.outlines), () => setOutlines([]));
  }, []);
  useEffect(() => {
    let current = true;
    chooseSkyView(survey).then((chosen) => current && setView(chosen));
    return () => {
      current = false;
    };
  }, [survey]);
  const aladin = view.mode === 'aladin' && !preferOffline;

  // The same array while the feed is unchanged, so Aladin's catalogues are rebuilt only when alerts arrive.
  const recent = useMemo(() => state.items.map((item) => item.alert).filter((a) => typeof a.ra === 'number' && typeof a.dec === 'number'), [state.items]);
  const centre = cone.ra !== '' && cone.dec !== '' && Number.isFinite(Number(cone.ra)) && Number.isFinite(Number(cone.dec)) ? project(Number(cone.ra), Number(cone.dec)) : null;

  async function search(event) {
    event.preventDefault();
    setError('');
    try {
      const body = await api(`/cone?ra=${encodeURIComponent(cone.ra)}&dec=${encodeURIComponent(cone.dec)}&radius=${encodeURIComponent(cone.radius)}`);
      setHits(body.hits ?? []);
      setSearched({ ra: Number(cone.ra), dec: Number(cone.dec), radius: Number(cone.radius) });
    } catch (err) {
      setError(`${err.code}: ${err.message}`);
    }
  }

  const dot = (a, cls) => {
    const [x, y] = project(a.ra, a.dec);
    return html`<a href=${link('alert', a.alertId)}><circle class=${cls} cx=${x} cy=${y} r=${cls === 'hit' ? 4 : 3} fill=${bandColours[a.band] ?? '#555'} onMouseEnter=${() => setHover(a)} onMouseLeave=${() => setHover(null)}><title>${a.survey} ${a.objectId} ${a.band ?? ''} ${num(a.mag)}</title></circle></a>`;
  };

  return html`
    <section>
      <h1>Sky</h1>
      <p class="muted">${recent.length} recent alert(s) delivered to this page by the live feed, and cone-search results from the archive, ${aladin ? 'in Aladin Lite over the image survey (coloured by band; cone-search results as white squares)' : 'on a Mollweide projection (equatorial, RA increasing to the left; the dashed curve is the galactic plane)'}${outlines.length ? `, with your ${outlines.length} watchmap(s) ${aladin ? 'outlined' : 'shaded'}` : ''}.</p>
      <${SkyMode} view=${view} url=${survey.url} preferOffline=${preferOffline} onToggle=${() => setPreferOffline(!preferOffline)} />
      <form class="toolbar" onSubmit=${search}>
        <label>RA° <input size="9" value=${cone.ra} onInput=${(e) => setCone({ ...cone, ra: e.currentTarget.value })} required /></label>
        <label>Dec° <input size="9" value=${cone.dec} onInput=${(e) => setCone({ ...cone, dec: e.currentTarget.value })} required /></label>
        <label>radius″ <input size="6" value=${cone.radius} onInput=${(e) => setCone({ ...cone, radius: e.currentTarget.value })} required /></label>
        <button type="submit">Cone search</button>
      </form>
      ${error && html`<p class="error">${error}</p>`}
      ${aladin && html`<${AladinSky} url=${survey.url} alerts=${recent} hits=${hits} outlines=${outlines} cone=${searched} onOpen=${(id) => navigate(`alert/${encodeURIComponent(id)}`)} onFail=${(reason) => setView({ mode: 'offline', reason })} />`}
      ${!aladin && html`<svg class="sky" viewBox=${`0 0 ${W} ${H}`} data-testid="sky" role="img" aria-label="sky map">
        <${Graticule} />
        <${Watchmaps} outlines=${outlines} />
        ${recent.map((a) => dot(a, 'recent'))}
        ${hits.map((a) => dot(a, 'hit'))}
        ${centre && html`<circle class="centre" cx=${centre[0]} cy=${centre[1]} r="8" />`}
      </svg>`}
      <p class="muted hover">${aladin ? 'Click an alert to open it; drag to pan, scroll to zoom.' : hover ? `${hover.survey} ${hover.alertId} (${hover.objectId}) at ${num(hover.ra, 5)}, ${num(hover.dec, 5)}, ${hover.band ?? ''} ${num(hover.mag)}` : 'Point at an alert for details; click to open it.'}</p>
      ${hits.length > 0 && html`
        <h2>Cone search: ${hits.length} alert(s)</h2>
        <table><thead><tr><th>alert</th><th>object</th><th>survey</th><th>band</th><th>mag</th><th>distance (″)</th></tr></thead>
          <tbody>${hits.map((h) => html`<tr key=${h.alertId}><td><a href=${link('alert', h.alertId)}>${h.alertId}</a></td><td><a href=${link('object', h.objectId)}>${h.objectId}</a></td><td>${h.survey}</td><td>${h.band ?? ''}</td><td>${num(h.mag)}</td><td>${num(h.separation ?? h.distanceArcsec, 2)}</td></tr>`)}</tbody>
        </table>`}
    </section>
  `;
}
