import { describe, expect, it } from 'vitest';
import { catalogueColumns } from '../../../src/sink/columns.js';
import { messageRows, USER_TOPIC_PATTERN, type ConvertContext } from '../../../src/sink/convert.js';
import { rowCount, type SinkMessage } from '../../../src/sink/rows.js';
import { skyZone } from '../../../src/sink/sky.js';
import { testFields, ztfEnriched } from './fixture.js';

const now = new Date('2026-01-02T03:04:05Z');
const context: ConvertContext = {
  topics: { enriched: 'nightjar.enriched', deadLetter: 'nightjar.dead-letter', matches: USER_TOPIC_PATTERN },
  columns: catalogueColumns(testFields),
  now,
  maxPayloadBytes: 16,
};
const message = (topic: string, value: unknown, extra: Partial<SinkMessage> = {}): SinkMessage => ({
  topic,
  partition: 2,
  offset: '41',
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestamp: '1767322800000',
  ...extra,
});

describe('enriched alert → archive rows', () => {
  const rows = messageRows(message('nightjar.enriched', ztfEnriched()), context);

  it('writes one alert row with catalogue columns, annotations and the survey record', () => {
    expect(rows.alerts).toHaveLength(1);
    const alert = rows.alerts[0]!;
    expect(alert).toMatchObject({ survey: 'ztf', alertId: '2695378462115010012', objectId: 'ZTF18abudxnw', mjd: 60449.37846060004, ra: 295.3031995, band: 'r', isPositive: 0, ndethist: null, synthetic: 0, sky_zone: skyZone(-10.3958989), ingested_at: Math.floor(now.getTime() / 1000) });
    expect(JSON.parse(alert.annotations as string)).toEqual({ xmatch: { gaia: { sep: 0.4 } }, lc: { r: { count: 2 } }, anomaly: { score: 0.2 } });
    expect(JSON.parse(alert.survey_record as string).candidate.candid).toBe('2695378462115010012');
    // The alert's own light curve, as the worker saw it, for backfills (the points also go to lightcurve_points).
    expect(JSON.parse(alert.lightcurve as string)).toEqual(ztfEnriched().lightcurve);
  });

  it('files the position, the object state, every light-curve point and the present cutouts', () => {
    expect(rows.alert_positions).toEqual([expect.objectContaining({ alertId: '2695378462115010012', ra: 295.3031995, dec: -10.3958989, sky_zone: skyZone(-10.3958989) })]);
    expect(rows.objects).toEqual([expect.objectContaining({ objectId: 'ZTF18abudxnw', lastMjd: 60449.37846060004, lastAlertId: '2695378462115010012', last_mjd_ms: Math.round(60449.37846060004 * 86_400_000) })]);
    expect(rows.lightcurve_points.map((p) => [p.kind, p.band])).toEqual([['upperlimit', 'g'], ['detection', 'r'], ['detection', 'g'], ['detection', 'r']]);
    expect(rows.lightcurve_points[0]).toMatchObject({ objectId: 'ZTF18abudxnw', mag: null, limitMag: 19.78730010986328, alertId: '2695378462115010012' });
    expect(rows.cutouts.map((c) => c.kind)).toEqual(['science', 'difference']);
    expect(rows.dead_letters).toEqual([]);
  });

  it('stores an unknown band as the empty string, since the key column cannot be NULL', () => {
    const json = ztfEnriched();
    (json.lightcurve as Record<string, unknown>[])[0]!.band = null;
    expect(messageRows(message('nightjar.enriched', json), context).lightcurve_points[0]!.band).toBe('');
  });

  it('keeps 64-bit ids exact and marks synthetic alerts', () => {
    const json = { ...ztfEnriched(), survey: 'lsst', alertId: '170094456272322680', objectId: '170028485706776685', synthetic: true, ztf: undefined, lsst: { diaSource: { psfFlux: -19549.39453125 } } };
    const rows = messageRows(message('nightjar.enriched', json), context);
    expect(rows.alerts[0]).toMatchObject({ alertId: '170094456272322680', objectId: '170028485706776685', synthetic: 1 });
    expect(JSON.parse(rows.alerts[0]!.survey_record as string)).toEqual({ diaSource: { psfFlux: -19549.39453125 } });
  });
});

describe('bad input becomes a dead-letter row, never an exception', () => {
  it.each([
    ['not JSON', '{"survey":', /not JSON/],
    ['no position', { ...ztfEnriched(), ra: null }, /ra must lie/],
    ['RA out of range', { ...ztfEnriched(), ra: 360 }, /ra must lie/],
    ['unknown survey', { ...ztfEnriched(), survey: 'ptf' }, /survey must be/],
    ['an unsafe numeric id', { ...ztfEnriched(), alertId: 2695378462115010012 }, /ids/],
    ['a light-curve point without mjd', { ...ztfEnriched(), lightcurve: [{ kind: 'detection' }] }, /lightcurve\[0\]/],
    ['a cutout that is not base64', { ...ztfEnriched(), cutouts: { science: 'not base64!' } }, /cutouts.science/],
    ['no value', null, /no value/],
  ])('%s', (_name, value, reason) => {
    const rows = messageRows(message('nightjar.enriched', value), context);
    expect(rowCount(rows)).toBe(1);
    expect(rows.dead_letters[0]).toMatchObject({ topic: 'nightjar.enriched', partition: 2, offset: '41', code: 'SINK_INVALID_MESSAGE', received_at: 1767322800 });
    expect(rows.dead_letters[0]!.reason).toMatch(reason);
  });

  it('keeps at most maxPayloadBytes of the payload, base64-encoded, with the full size', () => {
    const rows = messageRows(message('nightjar.user.alice', 'x'.repeat(100)), context);
    expect(rows.dead_letters[0]).toMatchObject({ size: 100, payload: Buffer.from('x'.repeat(16)).toString('base64') });
  });
});

describe('match and dead-letter topics', () => {
  it('turns a per-user record into a matches row', () => {
    const body = { filter: { id: 'f-1', version: 3, owner: 'alice' }, matchedAt: '2026-01-02T03:04:05.678Z', alert: { survey: 'ztf', alertId: '2695378462115010012', objectId: 'ZTF18abudxnw' } };
    const rows = messageRows(message('nightjar.user.alice', body), context);
    expect(rows.matches).toEqual([{ owner: 'alice', filterId: 'f-1', version: 3, alertId: '2695378462115010012', objectId: 'ZTF18abudxnw', survey: 'ztf', matchedAt: 1767323045, ingested_at: 1767323045 }]);
  });

  it('files a dead-letter record under its original topic, partition and offset', () => {
    const headers = { 'nightjar-dlq-code': 'DECODE_TRUNCATED', 'nightjar-dlq-reason': 'ends early', 'nightjar-dlq-topic': 'ztf-alerts', 'nightjar-dlq-partition': '0', 'nightjar-dlq-offset': '7', 'nightjar-dlq-size': '5000' };
    const rows = messageRows(message('nightjar.dead-letter', 'Obj\u0001', { headers }), context);
    expect(rows.dead_letters).toEqual([{ received_at: 1767322800, topic: 'ztf-alerts', partition: 0, offset: '7', code: 'DECODE_TRUNCATED', reason: 'ends early', size: 5000, payload: Buffer.from('Obj\u0001').toString('base64') }]);
  });

  it('refuses topics it was not meant to read', () => {
    expect(messageRows(message('ztf-alerts', {}), context).dead_letters[0]!.reason).toMatch(/does not archive topic ztf-alerts/);
  });
});
