import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { startRoles, type RunningRoles } from '../../src/cli/run.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import type { Config } from '../../src/config/index.js';
import { userTopic } from '../../src/filter/model.js';
import { sampleAlertsDir } from '../../src/ingest/synthetic.js';
import { silentLogger } from '../../src/log/logger.js';
import { ensureFirstAdmin } from '../../src/platform/bootstrap.js';
import { testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { expectedAlerts, sampleMessages, type SurveyMessage } from './support/alerts.js';
import { startHipsStandIn, type HipsStandIn } from './support/hips-stand-in.js';
import { freePort, roleTopics } from './support/roles.js';

/** Debian's chromium (apt-get install chromium; .ci/run installs it), driven by playwright-core. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync'];
const SCREENSHOTS = join(process.cwd(), 'test-results', 'screenshots');

/**
 * The dashboard in a real browser against `nightjar run --roles worker,sink,api` in one process:
 * alerts replayed onto the input topic during the test show up in the live feed; the filter
 * editor underlines a misspelt field where the server says it is, completes field names, accepts
 * a good expression and activates it; the alert page renders the three cutouts and the light curve
 * from the archive. Screenshots go to test-results/screenshots/ (CI artifacts, in .gitignore).
 */
describe('dashboard in chromium', () => {
  let kit: KafkaKit;
  let config: Config;
  let running: RunningRoles;
  let clickhouse: ClickHouseClient;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let token: string;
  const user = uniqueName('dash').toLowerCase();
  let messages: SurveyMessage[];
  let alerts: Alert[];
  const pageErrors: string[] = [];
  let alertPageObject = '';
  let bobTopic = '';
  let root = '';
  // Stands in for the CDS image server (no external network here); unreachable until the Aladin scenario.
  let hips: HipsStandIn;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    kit = await withKafka(testConfig());
    hips = await startHipsStandIn({ reachable: false });
    config = testConfig({
      topics: await roleTopics(kit, 'db'),
      filters: { statsIntervalMs: 300 },
      api: { host: '127.0.0.1', port: await freePort() },
      clickhouse: { database: uniqueName('nightjar_test_dash').replace(/-/g, '_') },
      sink: { flushMs: 100 },
      runner: { instanceId: uniqueName('db'), groupPrefix: uniqueName('db'), topicRefreshMs: 500 },
      dashboard: { hips: { url: hips.url, probeTimeoutMs: 3_000 } },
    });
    clickhouse = createClickHouse(config);
    await runMigrations(clickhouse, config, silentLogger());
    running = await startRoles(['worker', 'sink', 'api', 'jobs'], { config, logger: silentLogger() }, { signals: false });
    origin = `http://127.0.0.1:${config.api.port}`;
    // A user of this test's own (an administrator, so the live feed carries the enriched stream
    // too): its match topic nightjar.user.<name> is shared with no other test.
    root = (await ensureFirstAdmin(running.services!.platform, silentLogger())).token!;
    const call = async (path: string, body: unknown) => (await fetch(`${origin}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${root}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    await call('/users', { name: user, admin: true });
    token = (await call('/tokens', { user, scopes: ['read', 'write', 'admin'] })).token;
    messages = await sampleMessages();
    alerts = await expectedAlerts(messages, config);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await hips?.close();
    await running?.stop();
    await kit?.admin.deleteTopics({ topics: [userTopic(user), ...(bobTopic ? [bobTopic] : [])] }).catch(() => undefined);
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await clickhouse?.close();
  });

  // A failing scenario leaves a picture of the page behind, next to the others.
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail' && page) await shot(`failed-${context.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  async function shot(name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  it('logs in with a pasted token, and the live feed shows alerts replayed during the test', async () => {
    await page.goto(`${origin}/`);
    await page.fill('input[name=token]', 'nj_not_a_token');
    await page.click('button[type=submit]');
    await page.waitForSelector('.login .error');
    expect(await page.textContent('.login .error')).toContain('AUTH_TOKEN_INVALID');

    await page.fill('input[name=token]', token);
    await page.click('button[type=submit]');
    await page.waitForSelector('[data-testid=feed]');
    await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent?.startsWith('open'), undefined, { timeout: 30_000 });
    expect(await page.locator('[data-testid=feed] tbody tr').count()).toBe(0);

    // Replayed now, after the page subscribed: they can only reach the page through the websocket.
    await kit.producer.send({ topic: config.topics.input[0]!, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    const first = alerts[0]!;
    await page.waitForSelector(`[data-testid=feed] tr[data-alert-id="${first.alertId}"]`, { timeout: 60_000 });
    await waitFor(async () => (await page.locator('[data-testid=feed] tbody tr').count()) >= alerts.length, { timeoutMs: 60_000, message: 'every replayed alert in the feed' });
    const shown = await page.locator('[data-testid=feed] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-alert-id')));
    expect(new Set(shown)).toEqual(new Set(alerts.map((a) => a.alertId)));
    await shot('live-feed');

    // The client-side filter narrows the list to one object; pausing freezes it.
    await page.fill('[data-testid=live-filter]', first.objectId);
    await waitFor(async () => (await page.locator('[data-testid=feed] tbody tr').count()) === alerts.filter((a) => a.objectId.includes(first.objectId) || a.alertId.includes(first.objectId)).length, { message: 'filtered feed' });
    await page.fill('[data-testid=live-filter]', '');
    await page.click('[data-testid=pause]');
    expect(await page.textContent('[data-testid=pause]')).toContain('Resume (0 new)');
    await page.click('[data-testid=pause]');
  });

  it('the filter editor underlines a misspelt field where the server reports it, completes names, and accepts and activates a good expression', async () => {
    const id = uniqueName('bright').toLowerCase();
    await page.goto(`${origin}/#/filters/new?id=${id}`);
    const box = page.locator('[data-testid=expression]');

    const bad = 'mag < 18.5 and reliabilty > 0.8';
    await box.fill(bad);
    const diagnostic = page.locator('[data-testid=diagnostic-error]').first();
    await diagnostic.waitFor({ timeout: 10_000 });
    expect(await diagnostic.textContent()).toContain('FILTER_UNKNOWN_FIELD');
    expect(await diagnostic.textContent()).toContain('reliability');
    // The position is the server's, shown twice: the caret block and the underline in the editor.
    expect(Number(await diagnostic.getAttribute('data-start'))).toBe(bad.indexOf('reliabilty'));
    expect(await page.textContent('[data-testid=expression-mirror] mark.error')).toBe('reliabilty');
    // The underline sits under the text only if the mirror lays text out exactly as the textarea does.
    const fonts = await page.evaluate(() => ['expression', 'expression-mirror'].map((id) => {
      const style = getComputedStyle(document.querySelector(`[data-testid=${id}]`)!);
      return `${style.font} ${style.padding} ${style.borderWidth} ${style.whiteSpace}`;
    }));
    expect(fonts[0]).toBe(fonts[1]);
    expect(await diagnostic.locator('pre.caret').textContent()).toContain(`${' '.repeat(bad.indexOf('reliabilty'))}^`);
    expect(await page.isDisabled('[data-testid=save]')).toBe(true);
    await shot('filter-editor-error');

    // Completion from the field catalogue (GET /api/v1/fields).
    await box.fill('');
    await box.pressSequentially('anomaly.sc');
    await page.waitForSelector('[data-testid=completions] li');
    expect(await page.textContent('[data-testid=completions]')).toContain('anomaly.score');
    await box.press('Enter');
    await waitFor(async () => (await box.inputValue()) === 'anomaly.score', { timeoutMs: 5_000, message: 'the completion inserted' });
    // Accepting a completion places the caret in the next animation frame; typing over the box
    // before that frame lets the caret land inside the new text (seen once on a loaded CI machine).
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));

    const good = 'mag < 30 and survey == "ztf"';
    await box.fill(good);
    await page.waitForSelector('[data-testid=validation].ok, p.ok[data-testid=validation]', { timeout: 30_000 });
    expect(await page.locator('[data-testid=expression-mirror] mark').count()).toBe(0);

    // Preview on a real ZTF alert file, before saving.
    const ztfFile = join(sampleAlertsDir('ztf'), readdirSync(sampleAlertsDir('ztf')).find((f) => f.endsWith('.avro'))!);
    await page.setInputFiles('[data-testid=preview-files]', ztfFile);
    await page.click('[data-testid=preview-run-files]');
    await page.waitForSelector('[data-testid=preview]');
    expect(await page.textContent('[data-testid=preview]')).toMatch(/1 evaluated, 1 matched/);
    // And on the newest messages of the input topic (those replayed by the first test): only the ZTF ones match.
    await page.click('[data-testid=preview-recent]');
    const ztf = alerts.filter((a) => a.survey === 'ztf').length;
    await page.waitForFunction((n) => document.querySelector('[data-testid=preview]')?.textContent?.includes(`${n} matched`), ztf, { timeout: 30_000 });
    expect(await page.textContent('[data-testid=preview]')).toContain(`${alerts.length} evaluated, ${ztf} matched`);

    await page.click('[data-testid=save]');
    await page.waitForSelector('[data-testid=filter-state]');
    expect(await page.textContent('[data-testid=filter-state]')).toBe('draft');
    await page.click('[data-testid=activate]');
    await page.waitForFunction(() => document.querySelector('[data-testid=filter-state]')?.textContent === 'active');
    expect(await page.locator('[data-testid=versions] tbody tr').count()).toBe(1);
    await shot('filter-editor-active');
  });

  it('the alert page shows the three cutouts and the light curve from the archive', async () => {
    const detections = (a: Alert) => a.lightcurve.filter((p) => p.kind === 'detection').length;
    const alert = alerts.filter((a) => a.survey === 'ztf').sort((a, b) => detections(b) - detections(a))[0]!;
    alertPageObject = alert.objectId;
    // The sink archives what the worker enriched, cutouts included; the page reads it through /api/v1/alerts/{id}.
    const archived = await waitFor(async () => {
      const res = await fetch(`${origin}/api/v1/alerts/${alert.alertId}`, { headers: { authorization: `Bearer ${token}` } });
      return res.status === 200 ? ((await res.json()) as { cutouts: string[] }) : undefined;
    }, { timeoutMs: 60_000, message: 'the alert archived' });
    expect(archived.cutouts).toEqual(['science', 'template', 'difference']);

    await page.goto(`${origin}/#/alert/${alert.alertId}`);
    await page.waitForSelector('[data-testid=alert-page]');
    for (const kind of ['science', 'template', 'difference']) {
      const image = page.locator(`[data-testid=cutout-${kind}] img`);
      await image.waitFor({ timeout: 20_000 });
      await page.waitForFunction((k) => {
        const img = document.querySelector<HTMLImageElement>(`[data-testid=cutout-${k}] img`);
        return img !== null && img.complete && img.naturalWidth > 0;
      }, kind);
      expect(await image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(10);
    }

    await page.waitForSelector('[data-testid=lightcurve] canvas', { timeout: 20_000 });
    const counts = await page.textContent('[data-testid=lightcurve-counts]');
    const plotted = Number(/(\d+) detections/.exec(counts ?? '')?.[1]);
    expect(plotted).toBeGreaterThan(1);
    expect(plotted).toBeLessThanOrEqual(detections(alert));
    // One legend entry per band and kind that has points.
    const bands = new Set(alert.lightcurve.filter((p) => p.kind === 'detection' && p.mag !== null).map((p) => p.band));
    for (const band of bands) expect(await page.textContent('[data-testid=lightcurve]')).toContain(`${band} detections`);
    await page.waitForSelector('[data-testid=crossmatches], [data-testid=anomaly]');
    await shot('alert-page');

    // A Rubin alert with its forced photometry: drawn as its own series, counted apart from detections.
    const rubin = alerts.filter((a) => a.survey === 'lsst').sort((a, b) => b.lightcurve.length - a.lightcurve.length)[0]!;
    const forced = rubin.lightcurve.filter((p) => p.kind === 'forced' && p.flux !== null).length;
    expect(forced).toBeGreaterThan(0);
    await waitFor(async () => (await fetch(`${origin}/api/v1/alerts/${rubin.alertId}?survey=lsst`, { headers: { authorization: `Bearer ${token}` } })).status === 200, { timeoutMs: 60_000, message: 'the Rubin alert archived' });
    await page.goto(`${origin}/#/alert/${rubin.alertId}`);
    await page.waitForSelector('[data-testid=lightcurve] canvas', { timeout: 20_000 });
    await page.click('[data-testid=lightcurve] input[type=radio] >> nth=1');
    await page.waitForFunction(() => /[1-9]\d* forced photometry/.test(document.querySelector('[data-testid=lightcurve-counts]')?.textContent ?? ''));
    const plottedForced = Number(/(\d+) forced photometry/.exec((await page.textContent('[data-testid=lightcurve-counts]')) ?? '')?.[1]);
    expect(plottedForced).toBeLessThanOrEqual(forced);
    expect(await page.textContent('[data-testid=lightcurve]')).toContain('forced phot.');
    await shot('alert-page-rubin');
    alertPageObject = rubin.objectId;
  });

  it('the object page draws the archived light curve', async () => {
    await page.click('[data-testid=alert-page] dl.facts a');
    await page.waitForSelector('[data-testid=object-page] [data-testid=lightcurve] canvas', { timeout: 20_000 });
    expect(await page.textContent('[data-testid=object-page] h1')).toBe(`Object ${alertPageObject}`);
    const plotted = Number(/(\d+) detections/.exec((await page.textContent('[data-testid=object-page] [data-testid=lightcurve-counts]')) ?? '')?.[1]);
    expect(plotted).toBeGreaterThan(1);
  });

  it('the tokens page lists this session\'s token and shows a new token once', async () => {
    await page.goto(`${origin}/#/tokens`);
    await page.waitForSelector('[data-testid=tokens]');
    expect(await page.textContent('[data-testid=tokens]')).toContain('(this session)');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await (await page.waitForSelector('[data-testid=new-token]')).textContent();
    expect(secret).toMatch(/^nj_/);
    await waitFor(async () => (await page.locator('[data-testid=tokens] tbody tr').count()) === 2, { message: 'two tokens listed' });
  });

  it('the jobs page submits a query job over the archive and follows it to its result', async () => {
    await page.goto(`${origin}/#/jobs`);
    await page.waitForSelector('[data-testid=jobs], section p.muted');
    await page.getByRole('button', { name: 'Submit' }).click();
    const row = page.locator('[data-testid=jobs] tbody tr').first();
    await row.waitFor({ timeout: 10_000 });
    await waitFor(async () => (await row.textContent())?.includes('succeeded'), { timeoutMs: 60_000, intervalMs: 500, message: 'the job succeeded on the jobs page' });
    // SELECT survey, count() … GROUP BY survey over this test's archive: one row per survey.
    expect(await row.textContent()).toContain('2 rows');
    await shot('jobs');
  });

  it('with the image survey unreachable, the sky view plots the alerts the feed delivered and the watchmaps on the offline projection, and says why', async () => {
    const put = async (name: string, body: unknown) => (await fetch(`${origin}/api/v1/watchmaps/${name}`, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
    expect(await put('m31', { cone: { ra: 10.68, dec: 41.27, radius: 7_200 } })).toBe(200);
    expect(await put('cells', { moc: { '3': [100, 101, 102] } })).toBe(200);
    await page.goto(`${origin}/#/sky`);
    await page.waitForSelector('[data-testid=sky]');
    expect(await page.locator('[data-testid=sky] circle.recent').count()).toBe(alerts.length);
    await page.waitForSelector('[data-watchmap=m31] path');
    expect(await page.locator('[data-watchmap=cells] path').count()).toBe(3);
    await page.waitForSelector('[data-testid=sky-mode][data-mode=offline]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid=sky-mode]')).toBe('image survey unreachable — offline sky view');
    expect(await page.locator('[data-testid=aladin]').count()).toBe(0);
    expect(hips.requests).toEqual([]);
    await shot('sky');
  });

  it('with the image survey reachable (a loopback stand-in for CDS), the sky view shows Aladin Lite: alerts by band, watchmaps, the cone search; a click opens the alert; a toggle shows the offline view', async () => {
    hips.reachable = true;
    // Leave and come back (same document, so the live feed's alerts stay): the page asks the survey again.
    await page.goto(`${origin}/#/live`);
    await page.goto(`${origin}/#/sky`);
    await page.waitForSelector('[data-testid=aladin][data-aladin=ready]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=sky-mode]')).toContain(`Aladin Lite over ${hips.url}`);
    const aladin = page.locator('[data-testid=aladin]');
    // Counted from Aladin's own catalogues and overlays: every delivered alert, the cone and the three MOC cells.
    await waitFor(async () => (await aladin.getAttribute('data-sources')) === String(alerts.length), { message: 'every alert in the Aladin catalogues' });
    await waitFor(async () => (await aladin.getAttribute('data-shapes')) === '4', { message: 'the watchmaps as Aladin overlays' });
    expect(await page.locator('[data-testid=aladin] canvas').count()).toBeGreaterThan(0);
    await waitFor(async () => hips.requests.some((path) => /^Norder\d+\/(Allsky|Dir\d+\/Npix\d+)\.png$/.test(path)), { message: 'Aladin fetching tiles from the stand-in' });
    expect(hips.requests[0]).toBe('properties');
    await shot('sky-aladin');

    // A cone search around the first alert: hits as a catalogue, the search circle as an overlay, the view centred on it.
    const first = alerts[0]!;
    await page.fill('form.toolbar input >> nth=0', String(first.ra));
    await page.fill('form.toolbar input >> nth=1', String(first.dec));
    await page.fill('form.toolbar input >> nth=2', '5');
    await page.click('form.toolbar button[type=submit]');
    await waitFor(async () => Number(await aladin.getAttribute('data-hits')) >= 1, { timeoutMs: 15_000, message: 'cone-search hits in Aladin' });
    expect(await aladin.getAttribute('data-cone')).toBe(`${first.ra} ${first.dec} 5`);
    await shot('sky-aladin-cone');

    // Click the alert where Aladin draws it: its alert page opens.
    const at = await aladin.evaluate((el, [ra, dec]) => (el as HTMLElement & { aladin: { world2pix(ra: number, dec: number): [number, number] } }).aladin.world2pix(ra!, dec!), [first.ra, first.dec]);
    const box = (await aladin.boundingBox())!;
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    await page.waitForFunction(() => location.hash.startsWith('#/alert/'), undefined, { timeout: 10_000 });
    const opened = decodeURIComponent((await page.evaluate(() => location.hash)).slice('#/alert/'.length));
    expect(alerts.filter((a) => a.objectId === first.objectId).map((a) => a.alertId)).toContain(opened);

    // Both views work: the toggle switches to the offline projection, with every alert, and back.
    await page.goto(`${origin}/#/sky`);
    await page.waitForSelector('[data-testid=aladin][data-aladin=ready]');
    // (Returns nothing: serialising the Aladin instance back to the test would take the better part of a minute.)
    await aladin.evaluate((el) => {
      (window as unknown as { firstAladin: unknown }).firstAladin = (el as HTMLElement & { aladin: unknown }).aladin;
    });
    await page.click('[data-testid=sky-toggle]');
    await page.waitForSelector('[data-testid=sky]');
    expect(await page.locator('[data-testid=sky] circle.recent').count()).toBe(alerts.length);
    expect(await page.textContent('[data-testid=sky-mode]')).toContain('offline sky view (image survey available)');
    await page.click('[data-testid=sky-toggle]');
    await page.waitForSelector('[data-testid=aladin][data-aladin=ready]');
    await waitFor(async () => (await aladin.getAttribute('data-sources')) === String(alerts.length), { message: 'the alerts again after the toggle' });
    // Every visit reattaches the page's one Aladin instance (each keeps a render loop running for the page's life).
    expect(await page.locator('.aladin-host').count()).toBe(1);
    expect(await aladin.evaluate((el) => (el as HTMLElement & { aladin: unknown }).aladin === (window as unknown as { firstAladin: unknown }).firstAladin)).toBe(true);
    // ... back on the whole sky, not where the cone search left it.
    expect(await aladin.evaluate((el) => (el as HTMLElement & { aladin: { getFov(): [number, number] } }).aladin.getFov()[0])).toBeGreaterThan(180);
    await shot('sky-aladin-again');
  });

  it('without WebGL2 the sky view keeps the offline projection and says so, even with the survey reachable', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    try {
      await context.addInitScript(() => {
        const getContext = HTMLCanvasElement.prototype.getContext;
        HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
          return kind === 'webgl2' ? null : getContext.call(this, kind as '2d', ...(rest as []));
        } as typeof getContext;
      });
      const other = await context.newPage();
      other.on('pageerror', (error) => pageErrors.push(error.message));
      await other.goto(`${origin}/`);
      await other.fill('input[name=token]', token);
      await other.click('button[type=submit]');
      await other.waitForSelector('[data-testid=feed]');
      const asked = hips.requests.length;
      await other.goto(`${origin}/#/sky`);
      await other.waitForSelector('[data-testid=sky-mode][data-mode=offline]');
      expect(await other.textContent('[data-testid=sky-mode]')).toBe('WebGL2 unavailable — offline sky view');
      expect(await other.locator('[data-testid=sky]').count()).toBe(1);
      expect(hips.requests.length).toBe(asked);
    } finally {
      await context.close();
      hips.reachable = false;
    }
  });

  it('the status page reports the pipeline: dependencies, lag, rates, dead letters by reason', async () => {

    // A message no survey would send: the worker dead-letters it, the sink archives it, the status page counts it by reason.
    await kit.producer.send({ topic: config.topics.input[0]!, messages: [{ key: 'junk', value: Buffer.from('not an alert') }] });
    await page.goto(`${origin}/#/status`);
    await page.waitForSelector('[data-testid=status-page]');
    await waitFor(async () => {
      await page.reload();
      await page.waitForSelector('[data-testid=status-page]');
      return (await page.textContent('[data-testid=dead-letters]'))?.includes('DECODE_UNKNOWN_FORMAT');
    }, { timeoutMs: 120_000, intervalMs: 2_000, message: 'the dead letter counted by reason on the status page' });
    expect(await page.locator('[data-testid=dead-letters] tbody tr').count()).toBe(1);
    expect(await page.textContent('[data-testid=dead-letters] tbody tr')).toBe('DECODE_UNKNOWN_FORMAT1');
    expect(await page.textContent('[data-testid=dependency-kafka]')).toContain('up');
    expect(await page.textContent('[data-testid=dependency-clickhouse]')).toContain('up');
    const worker = page.locator('[data-testid=groups] tr', { hasText: `${config.runner.groupPrefix}-worker` });
    await worker.waitFor();
    // Every replayed message was consumed and committed: the worker group has no lag.
    await waitFor(async () => {
      await page.reload();
      await worker.waitFor();
      return (await worker.locator('td').nth(4).textContent()) === '0';
    }, { timeoutMs: 30_000, intervalMs: 2_000, message: 'worker lag 0 on the status page' });
    // Rates need two samples (requests) a second or more apart: "measuring…" until then.
    await waitFor(async () => {
      await page.reload();
      await page.waitForSelector('[data-testid=ingest]');
      return /[\d.]+\/s arriving, [\d.]+\/s processed/.test((await page.textContent('[data-testid=ingest]')) ?? '');
    }, { timeoutMs: 15_000, intervalMs: 1_100, message: 'ingest rates on the status page' });
    await shot('status');
  });

  it("someone else's public filter can be watched from its page: its matches join the live feed", async () => {
    const call = async (auth: string, path: string, body: unknown) => (await fetch(`${origin}/api/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
    const bob = uniqueName('bob').toLowerCase();
    await call(root, '/users', { name: bob });
    const bobToken = (await call(root, '/tokens', { user: bob, scopes: ['read', 'write'] })).token as string;
    const id = uniqueName('public-ztf').toLowerCase();
    await call(bobToken, '/filters', { id, expression: 'survey == "ztf"', public: true });
    expect((await call(bobToken, `/filters/${id}/activate`, {})).state).toBe('active');
    bobTopic = userTopic(bob);

    await page.goto(`${origin}/#/filters/${id}`);
    await page.click('[data-testid=watch-filter]');
    await page.waitForSelector('text=Stop watching its matches');
    await page.goto(`${origin}/#/live`);
    await page.waitForSelector('text=public filters (1)');
    // The workers follow the filters topic: once they run bob's filter, a replay reaches his topic and this page.
    const before = await page.locator('[data-testid=feed] tbody tr').count();
    await waitFor(async () => {
      await kit.producer.send({ topic: config.topics.input[0]!, messages: messages.filter((_, i) => alerts[i]!.survey === 'ztf').slice(0, 1).map((m) => ({ key: m.key, value: m.value })) });
      return (await page.locator('[data-testid=feed] tbody tr', { hasText: 'public filter' }).count()) > 0;
    }, { timeoutMs: 60_000, intervalMs: 3_000, message: "a match of bob's public filter in the feed" });
    expect(await page.locator('[data-testid=feed] tbody tr').count()).toBeGreaterThan(before);
    expect(await page.textContent('[data-testid=feed] tbody tr:has-text("public filter")')).toContain(id);
    await shot('live-public-filter');
    expect(pageErrors).toEqual([]);
  });
});
