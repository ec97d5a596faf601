import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ocfRecords } from '../../src/ingest/wire.js';
import { sampleAlertsDir } from '../../src/ingest/synthetic.js';

/**
 * A throwaway clickhouse-server of the sink's outage test, on free loopback ports in a temp
 * directory, that the test may SIGKILL and restart on the same data path. The shared dev server
 * is never touched.
 */
export class ThrowawayClickHouse {
  readonly dir = mkdtempSync(join(tmpdir(), 'nightjar-sink-ch-'));
  private process: ChildProcess | null = null;
  private ports: { http: number; tcp: number; interserver: number } | null = null;

  get url(): string {
    if (!this.ports) throw new Error('server not started');
    return `http://127.0.0.1:${this.ports.http}`;
  }

  async start(): Promise<void> {
    this.ports ??= { http: await freePort(), tcp: await freePort(), interserver: await freePort() };
    mkdirSync(join(this.dir, 'tmp'), { recursive: true });
    const args = [
      '--config-file=/etc/clickhouse-server/config.xml',
      '--',
      `--path=${this.dir}/`,
      `--tmp_path=${this.dir}/tmp/`,
      `--logger.log=${this.dir}/server.log`,
      `--logger.errorlog=${this.dir}/error.log`,
      `--http_port=${this.ports.http}`,
      `--tcp_port=${this.ports.tcp}`,
      `--interserver_http_port=${this.ports.interserver}`,
      '--listen_host=127.0.0.1',
    ];
    this.process = spawn('clickhouse-server', args, { stdio: 'ignore' });
    await waitFor(async () => (await fetch(`${this.url}/?query=SELECT%201`).then((r) => r.ok).catch(() => false)), 60_000, 'clickhouse-server to answer');
  }

  /** SIGKILL: no flush, no goodbye — what a crashed or unplugged server does. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = null;
  }

  async destroy(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Enriched JSON (what the worker writes to the enriched topic) for the real ZTF alerts in
 * schemas/samples/ztf, read with the project's own container reader and normalised by the
 * conventions of docs/fields.md: MJD = JD − 2400000.5, fid 1/2/3 → g/r/i, prv_candidates without
 * a candid are upper limits, cutouts are the gunzipped FITS stamps in base64.
 */
export function realZtfEnriched(): Record<string, unknown>[] {
  const dir = sampleAlertsDir('ztf');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.avro'))
    .sort()
    .flatMap((name) => ocfRecords(readFileSync(join(dir, name))).map(ztfJson));
}

const BANDS = ['g', 'r', 'i'];

function ztfJson(record: Record<string, unknown>): Record<string, unknown> {
  const c = record.candidate as Record<string, unknown>;
  const mjd = (jd: unknown) => (jd as number) - 2400000.5;
  const history = ((record.prv_candidates as Record<string, unknown>[] | null) ?? []).map((p) => ({
    mjd: mjd(p.jd),
    band: BANDS[(p.fid as number) - 1] ?? null,
    kind: p.candid === null ? 'upperlimit' : 'detection',
    mag: (p.magpsf as number | null) ?? null,
    magErr: (p.sigmapsf as number | null) ?? null,
    flux: null,
    fluxErr: null,
    limitMag: (p.diffmaglim as number | null) ?? null,
  }));
  const own = { mjd: mjd(c.jd), band: BANDS[(c.fid as number) - 1] ?? null, kind: 'detection', mag: c.magpsf, magErr: c.sigmapsf, flux: null, fluxErr: null, limitMag: c.diffmaglim ?? null };
  const stamp = (key: string) => {
    const cutout = record[key] as { stampData: Buffer } | null;
    return cutout ? gunzipSync(cutout.stampData).toString('base64') : null;
  };
  return {
    survey: 'ztf',
    alertId: String(c.candid),
    objectId: record.objectId,
    mjd: mjd(c.jd),
    ra: c.ra,
    dec: c.dec,
    band: own.band,
    mag: c.magpsf,
    magErr: c.sigmapsf,
    flux: null,
    fluxErr: null,
    snr: null,
    reliability: (c.drb as number | null) ?? (c.rb as number | null) ?? null,
    isPositive: c.isdiffpos === 't' || c.isdiffpos === '1',
    lightcurve: [...history, own].sort((a, b) => a.mjd - b.mjd),
    ztf: { candidate: { candid: String(c.candid), fid: c.fid, magpsf: c.magpsf, rb: c.rb } },
    cutouts: { science: stamp('cutoutScience'), template: stamp('cutoutTemplate'), difference: stamp('cutoutDifference') },
  };
}
