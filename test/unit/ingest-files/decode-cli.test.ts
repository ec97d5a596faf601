import { describe, expect, it } from 'vitest';
import { decodeCommand, parseDecodeArgs } from '../../../src/cli/decode.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { Alert } from '../../../src/alert/types.js';
import { syntheticAlerts, SYNTHETIC_ID_MIN } from '../../../src/ingest/synthetic.js';
import { loadRubinSchemas } from '../../../src/ingest/wire.js';
import { DATA, LSST_SCHEMAS, manifest } from './data.js';

const config = loadConfig({ env: {} });

async function run(argv: string[]): Promise<{ status: number; lines: Record<string, unknown>[]; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await decodeCommand(argv, config, silentLogger(), {
    stdout: { write: (text: string) => ((stdout += text), true) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  return { status, lines, stderr };
}

describe('nightjar decode', () => {
  it('prints one normalised alert per record of every real file, ids as strings, and exits 0', async () => {
    const { status, lines, stderr } = await run([`${DATA}ztf/alerts`, `${DATA}lsst/alerts`]);
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const rows = manifest();
    expect(lines.map((l) => `${l.survey}:${l.alertId}`).sort()).toEqual(rows.map((r) => `${r.survey}:${r.alertId}`).sort());
    expect(lines.every((l) => typeof l.alertId === 'string' && typeof l.objectId === 'string')).toBe(true);
    expect(lines.some((l) => 'cutouts' in l && l.cutouts != null)).toBe(false);
  });

  it('includes cutouts and the raw record when asked', async () => {
    const { lines } = await run([`${DATA}ztf/alerts/ZTF19acxxwrs.avro`, '--cutouts', '--raw']);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.cutouts).toBeTruthy();
    expect(lines[0]!.ztf).toBeTruthy();
  });

  it('reports undecodable and unreadable inputs on stderr with source and code, and exits 1', async () => {
    const { status, lines, stderr } = await run([`${DATA}MANIFEST.tsv`, `${DATA}nope.avro`, `${DATA}ztf/alerts/ZTF19acxxwrs.avro`]);
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(stderr).toMatch(new RegExp(`${DATA}MANIFEST.tsv: DECODE_UNKNOWN_FORMAT: `));
    expect(stderr).toMatch(new RegExp(`${DATA}nope.avro: INPUT_UNREADABLE: `));
  });

  it('rejects a call without paths', () => {
    expect(() => parseDecodeArgs(['--raw'])).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
  });
});

describe('synthetic alerts through the decoder', () => {
  it('decode to valid alerts marked synthetic, with unique ids and positions on the sky', async () => {
    const { AlertDecoder } = await import('../../../src/ingest/index.js');
    const decoder = new AlertDecoder({ config, logger: silentLogger() });
    const rubinSchemas = loadRubinSchemas(LSST_SCHEMAS);
    for (const survey of ['ztf', 'lsst'] as const) {
      const alerts: Alert[] = [];
      for await (const message of syntheticAlerts({ survey, count: 15, seed: 2, rubinSchemas, templates: [`${DATA}${survey}/alerts`] })) {
        const outcomes = await decoder.decodeMessage(message.value, { cutouts: true, raw: false });
        expect(outcomes).toHaveLength(1);
        const outcome = outcomes[0]!;
        if (!outcome.ok) throw outcome.error;
        alerts.push(outcome.alert);
      }
      expect(new Set(alerts.map((a) => a.alertId)).size).toBe(15);
      expect(new Set(alerts.map((a) => a.objectId)).size).toBe(15);
      for (const alert of alerts) {
        expect(alert.survey).toBe(survey);
        expect(BigInt(alert.alertId)).toBeGreaterThanOrEqual(SYNTHETIC_ID_MIN);
        expect(alert.ra).toBeGreaterThanOrEqual(0);
        expect(alert.ra).toBeLessThan(360);
        expect(Math.abs(alert.dec)).toBeLessThanOrEqual(90);
        expect(alert.cutouts?.science?.length ?? 0).toBeGreaterThan(1000);
        expect(alert.synthetic).toBe(true);
      }
    }
  });
});
