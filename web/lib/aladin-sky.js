// Aladin Lite (CDS) over the configured HiPS image survey: the sky view's richer mode. The module
// (2.4 MB, WebAssembly inlined) is imported only when the survey answered, once per page load.
import { useEffect, useRef, useState } from 'preact/hooks';
import { bandColours } from './format.js';
import { html } from './html.js';

let loading;

/** Aladin Lite's `A`, initialised (its WebAssembly core compiled); one import per page load. */
function loadAladin() {
  loading ??= import('aladin-lite').then(async (module) => {
    const A = module.default;
    await A.init;
    return A;
  });
  return loading;
}

const OTHER = '#bbbbbb';
const WATCHMAP = '#ffd54a';

/** Alerts as Aladin sources, one catalogue per band so the colours follow the offline view's. */
function byBand(alerts) {
  const groups = new Map();
  for (const a of alerts) {
    const band = a.band ?? '?';
    if (!groups.has(band)) groups.set(band, []);
    groups.get(band).push(a);
  }
  return groups;
}

function source(A, a) {
  return A.source(a.ra, a.dec, { alertId: a.alertId, objectId: a.objectId, survey: a.survey, band: a.band ?? '', mag: a.mag ?? '' });
}

/** Aladin shapes of one watchmap outline (cone, polygon or MOC cells, as GET /watchmaps/outlines gives them). */
function outlineShapes(A, outline) {
  const style = { color: WATCHMAP, lineWidth: 1.5 };
  if (outline.cone) return [A.circle(outline.cone.ra, outline.cone.dec, outline.cone.radius / 3600, style)];
  // A.polygon drops a repeated closing vertex from the array it is given: hand it copies.
  if (outline.polygon) return [A.polygon(outline.polygon.map(([ra, dec]) => [ra, dec]), style)];
  return (outline.cells ?? []).map((corners) => A.polygon(corners.map(([ra, dec]) => [ra, dec]), style));
}

/**
 * Aladin Lite keeps a render loop running for as long as the page lives, even once its element is
 * out of the document: so one instance per page load (per survey), whose element the sky view
 * attaches when it mounts and detaches when it unmounts, instead of a new instance per visit.
 */
let shared = null;

function attachView(A, url, container) {
  if (shared?.url === url) {
    container.appendChild(shared.host);
    return shared;
  }
  shared?.host.remove();
  const host = document.createElement('div');
  host.className = 'aladin-host';
  // Aladin sizes itself from its element: it must be in the document before it starts.
  container.appendChild(host);
  const aladin = A.aladin(host, {
    survey: url,
    hipsList: [url],
    projection: 'MOL',
    fov: 360,
    target: '180 0',
    cooFrame: 'ICRS',
    // No usage logging to CDS, no Simbad/VizieR/sharing controls: the page reaches only the survey.
    log: false,
    samp: false,
    showContextMenu: false,
    showShareControl: false,
    showSimbadPointerControl: false,
    showSettingsControl: false,
    showCooGridControl: true,
    showReticle: false,
  });
  const alertCatalogues = new Map();
  const catalogue = (band) => {
    if (!alertCatalogues.has(band)) {
      const cat = A.catalog({ name: `alerts ${band}`, color: bandColours[band] ?? OTHER, sourceSize: 10, shape: 'circle' });
      aladin.addCatalog(cat);
      alertCatalogues.set(band, cat);
    }
    return alertCatalogues.get(band);
  };
  const hitCatalogue = A.catalog({ name: 'cone search', color: '#ffffff', sourceSize: 14, shape: 'square' });
  aladin.addCatalog(hitCatalogue);
  const watchOverlay = A.graphicOverlay({ name: 'watchmaps', color: WATCHMAP, lineWidth: 1.5 });
  aladin.addOverlay(watchOverlay);
  const coneOverlay = A.graphicOverlay({ name: 'cone', color: WATCHMAP, lineWidth: 2 });
  aladin.addOverlay(coneOverlay);
  shared = { url, host, A, aladin, catalogue, alertCatalogues, hitCatalogue, watchOverlay, coneOverlay, onOpen: () => undefined };
  const view = shared;
  aladin.on('objectClicked', (object) => {
    const id = object?.data?.alertId;
    if (id) view.onOpen(id);
  });
  return shared;
}

/**
 * The sky in Aladin Lite: `alerts` (coloured by band) and cone-search `hits` as catalogues, the
 * watchmap `outlines` and the search `cone` ({ra, dec, radius″} or null) as overlays. Clicking a
 * source calls `onOpen(alertId)`; a failure to start calls `onFail(reason)`. The container carries
 * data-aladin="ready" and the counts Aladin itself holds (data-sources, data-hits, data-shapes) once
 * drawn, and data-cone ("ra dec radius″") while the search circle is shown.
 */
export function AladinSky({ url, alerts, hits, outlines, cone, onOpen, onFail }) {
  const container = useRef(null);
  const view = useRef(null);
  const [ready, setReady] = useState(false);
  if (view.current) view.current.onOpen = onOpen;

  useEffect(() => {
    let mounted = true;
    loadAladin().then((A) => {
      if (!mounted || !container.current) return;
      view.current = attachView(A, url, container.current);
      view.current.onOpen = onOpen;
      // A visit starts on the whole sky, wherever the last one left the shared instance (a search re-centres it).
      view.current.aladin.gotoRaDec(180, 0);
      view.current.aladin.setFoV(360);
      // For tests and the browser console: the instance behind the markers.
      container.current.aladin = view.current.aladin;
      setReady(true);
    }).catch((err) => {
      if (mounted) onFail(`Aladin Lite did not start (${err?.message ?? err}) — offline sky view`);
    });
    return () => {
      mounted = false;
      view.current?.host.remove();
      view.current = null;
    };
  }, [url]);

  useEffect(() => {
    const v = view.current;
    if (!ready || !v) return;
    const groups = byBand(alerts);
    for (const [band, cat] of v.alertCatalogues) if (!groups.has(band)) cat.removeAll();
    for (const [band, list] of groups) {
      const cat = v.catalogue(band);
      cat.removeAll();
      cat.addSources(list.map((a) => source(v.A, a)));
    }
    v.hitCatalogue.removeAll();
    v.hitCatalogue.addSources(hits.map((a) => source(v.A, a)));
    const held = [...v.alertCatalogues.values()].reduce((n, cat) => n + cat.getSources().length, 0);
    container.current.dataset.sources = String(held);
    container.current.dataset.hits = String(v.hitCatalogue.getSources().length);
  }, [ready, alerts, hits]);

  useEffect(() => {
    const v = view.current;
    if (!ready || !v) return;
    v.watchOverlay.removeAll();
    let shapes = 0;
    for (const outline of outlines) {
      const list = outlineShapes(v.A, outline);
      for (const shape of list) v.watchOverlay.add(shape);
      shapes += list.length;
    }
    container.current.dataset.shapes = String(shapes);
  }, [ready, outlines]);

  useEffect(() => {
    const v = view.current;
    if (!ready || !v) return;
    v.coneOverlay.removeAll();
    delete container.current.dataset.cone;
    if (!cone) return;
    v.coneOverlay.add(v.A.circle(cone.ra, cone.dec, cone.radius / 3600, { color: '#ffd54a', lineWidth: 2 }));
    container.current.dataset.cone = `${cone.ra} ${cone.dec} ${cone.radius}`;
    v.aladin.gotoRaDec(cone.ra, cone.dec);
    v.aladin.setFoV(Math.max((cone.radius / 3600) * 8, 0.05));
  }, [ready, cone?.ra, cone?.dec, cone?.radius]);

  return html`<div class="aladin" ref=${container} data-testid="aladin" data-aladin=${ready ? 'ready' : 'loading'}></div>`;
}
