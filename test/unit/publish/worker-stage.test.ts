import { describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alert/types.js';
import { loadConfig } from '../../../src/config/index.js';
import { NightjarError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import { DEAD_LETTER_HEADERS } from '../../../src/publish/dead-letter.js';
import { MATCH_HEADERS } from '../../../src/publish/match.js';
import { WorkerStage, type DecodeOutcome, type WorkerSteps } from '../../../src/publish/worker-stage.js';
import type { ConsumedMessage } from '../../../src/runner/types.js';

const config = loadConfig({ env: {} });

function alert(id: string, mag: number): Alert {
  return { survey: 'ztf', alertId: id, objectId: `ZTF${id}`, mjd: 60000.5, ra: 10, dec: 20, band: 'r', mag, magErr: 0.1, flux: null, fluxErr: null, snr: 10, reliability: 0.9, isPositive: true, lightcurve: [] };
}

function message(offset: number, text: string, headers: ConsumedMessage['headers'] = {}): ConsumedMessage {
  return { topic: 'ztf-alerts', partition: 1, offset: String(offset), key: null, value: Buffer.from(text), headers, timestamp: String(Date.now()) };
}

/** A decoder over text messages: "ok:<id>:<mag>" decodes, "multi:<a>,<b>" yields two records, anything else fails. */
const decode: WorkerSteps['decode'] = async (bytes) => {
  const text = Buffer.from(bytes).toString();
  if (text.startsWith('ok:')) {
    const [, id, mag] = text.split(':');
    return [{ ok: true, alert: alert(id!, Number(mag)), index: 0 }];
  }
  if (text.startsWith('multi:')) {
    return text.slice(6).split(',').map((part, index): DecodeOutcome => (part === 'bad' ? { ok: false, index, error: new NightjarError('VALIDATE_POSITION', 'dec 95 out of range') } : { ok: true, alert: alert(part, 18), index }));
  }
  if (text === 'boom') throw new TypeError('decoder bug');
  return [{ ok: false, index: -1, error: new NightjarError('DECODE_UNKNOWN_FORMAT', 'not an alert') }];
};

function stage(overrides: Partial<WorkerSteps> = {}): WorkerStage {
  return new WorkerStage(config, { decode, toJSON: (a, opts) => ({ ...a, lightcurve: opts.lightcurve ? a.lightcurve : undefined }), ...overrides }, silentLogger(), createMetricsRegistry({ processMetrics: false }));
}

describe('WorkerStage', () => {
  it('turns every good record into one enriched alert keyed by objectId, in order', async () => {
    const out = await stage().process([message(1, 'ok:1:18'), message(2, 'multi:2,3')]);
    expect(out.map((r) => [r.topic, r.key])).toEqual([
      [config.topics.enriched, 'ZTF1'],
      [config.topics.enriched, 'ZTF2'],
      [config.topics.enriched, 'ZTF3'],
    ]);
    expect(JSON.parse(out[0]!.value as string).alertId).toBe('1');
  });

  it('dead-letters bad messages and bad records while the good ones around them go through', async () => {
    const out = await stage().process([message(1, 'garbage'), message(2, 'ok:2:18'), message(3, 'multi:4,bad'), message(4, 'boom'), message(5, '')]);
    const dead = out.filter((r) => r.topic === config.topics.deadLetter);
    const good = out.filter((r) => r.topic === config.topics.enriched);
    expect(good.map((r) => r.key)).toEqual(['ZTF2', 'ZTF4']);
    expect(dead.map((r) => (r.headers as Record<string, string>)[DEAD_LETTER_HEADERS.code])).toEqual(['DECODE_UNKNOWN_FORMAT', 'VALIDATE_POSITION', 'NORMALISE_FAILED', 'DECODE_EMPTY']);
    expect(dead.map((r) => r.key)).toEqual(['ztf-alerts:1:1', 'ztf-alerts:1:3:1', 'ztf-alerts:1:4', 'ztf-alerts:1:5']);
    expect(Buffer.from(dead[0]!.value as Buffer).toString()).toBe('garbage');
  });

  it('runs annotate on the decoded alerts and publishes matches to the owners topics', async () => {
    const out = await stage({
      annotate: (alerts) => alerts.forEach((a) => (a.anomaly = { score: a.mag! > 19 ? 0.9 : 0.3, model: 'eif-v1' })),
      match: (a) => (a.anomaly!.score! > 0.5 ? [{ filterId: 'odd', version: 2, owner: 'ada', topic: 'nightjar.user.ada', output: { format: 'json', lightcurve: false, cutouts: false } }] : []),
    }).process([message(1, 'ok:1:18'), message(2, 'ok:2:20')]);
    const matches = out.filter((r) => r.topic === 'nightjar.user.ada');
    expect(matches).toHaveLength(1);
    expect(matches[0]!.key).toBe('ZTF2');
    expect(matches[0]!.headers).toMatchObject({ [MATCH_HEADERS.filterId]: 'odd', [MATCH_HEADERS.filterVersion]: '2' });
    const body = JSON.parse(matches[0]!.value as string);
    expect(body.filter).toEqual({ id: 'odd', version: 2, owner: 'ada' });
    expect(body.alert.anomaly.score).toBe(0.9);
  });

  it('gives the matcher each record\'s Kafka timestamp, the clock the rate limits run on', async () => {
    const seen: number[] = [];
    const first = { ...message(1, 'ok:1:18'), timestamp: '1700000000000' };
    const second = { ...message(2, 'ok:2:18'), timestamp: '1700000000250' };
    await stage({ match: (_a, _now, streamMs) => (seen.push(streamMs), []) }).process([first, second]);
    expect(seen).toEqual([1_700_000_000_000, 1_700_000_000_250]);
  });

  it('marks alerts from messages with the synthetic header', async () => {
    const out = await stage().process([message(1, 'ok:1:18', { 'nightjar-synthetic': Buffer.from('1') }), message(2, 'ok:2:18')]);
    expect(out.map((r) => JSON.parse(r.value as string).synthetic)).toEqual([true, undefined]);
  });

  it('lets a retriable failure fail the batch so the runner retries it', async () => {
    const failing = stage({ decode: async () => Promise.reject(new NightjarError('SCHEMA_REGISTRY_UNAVAILABLE', 'registry down')) });
    await expect(failing.process([message(1, 'ok:1:18')])).rejects.toMatchObject({ code: 'SCHEMA_REGISTRY_UNAVAILABLE' });
  });
});
