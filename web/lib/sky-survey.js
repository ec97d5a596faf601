// Whether the sky view can show Aladin Lite: an image survey is configured (config
// dashboard.hips.url, written into the page's meta tags), it answers, and the browser has WebGL2.
// Otherwise the page keeps its offline Mollweide projection and says why.

/** The configured HiPS survey: `{ url, probeMs }`; url is '' when none is configured. */
export function surveySettings(doc = document) {
  const meta = (name) => doc.querySelector(`meta[name="${name}"]`)?.getAttribute('content') ?? '';
  const url = meta('nightjar-hips-url');
  const probeMs = Number(meta('nightjar-hips-probe-ms'));
  // An unfilled template ({{…}}) means the page was not served by the api role: no survey.
  return { url: url.startsWith('{{') ? '' : url, probeMs: Number.isFinite(probeMs) && probeMs > 0 ? probeMs : 4000 };
}

/** True when this browser can create a WebGL2 context (Aladin Lite's renderer needs one). */
export function hasWebGL2(doc = document) {
  try {
    return doc.createElement('canvas').getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

/**
 * Asks `<url>/properties` (every HiPS has it) within `timeoutMs`.
 * Resolves `{ ok: true }`, or `{ ok: false, reason }` with the line the page shows.
 */
export async function probeSurvey(url, timeoutMs, fetchImpl = fetch) {
  if (!url) return { ok: false, reason: 'no image survey configured — offline sky view' };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetchImpl(`${url}/properties`, { signal: controller.signal, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' });
    if (!res.ok) return { ok: false, reason: `image survey answered ${res.status} — offline sky view` };
    const text = await res.text();
    // A HiPS properties file is "key = value" lines; anything else (a captive portal, an HTML error page) is not a survey.
    if (!/^\s*(hips_|obs_|creator_did|dataproduct_type)\S*\s*=/m.test(text)) return { ok: false, reason: 'image survey answered without HiPS properties — offline sky view' };
    return { ok: true };
  } catch {
    return { ok: false, reason: 'image survey unreachable — offline sky view' };
  } finally {
    clearTimeout(timer);
  }
}

/** Decides the sky view's mode: `{ mode: 'aladin' }` or `{ mode: 'offline', reason }`. */
export async function chooseSkyView({ url, probeMs }, webgl2 = hasWebGL2(), fetchImpl = fetch) {
  if (!url) return { mode: 'offline', reason: 'no image survey configured — offline sky view' };
  if (!webgl2) return { mode: 'offline', reason: 'WebGL2 unavailable — offline sky view' };
  const probe = await probeSurvey(url, probeMs, fetchImpl);
  return probe.ok ? { mode: 'aladin' } : { mode: 'offline', reason: probe.reason };
}
