import { describe, expect, it } from 'vitest';
import { Random } from '../../../src/annotate/random.js';
import type { OutgoingAlert } from '../../../src/ingest/replay.js';
import { IdAllocator, mix62, randomSkyPosition, syntheticAlerts, SYNTHETIC_ID_MIN } from '../../../src/ingest/synthetic.js';
import { confluentSchemaId, decodeRubin, loadRubinSchemas, ocfRecords } from '../../../src/ingest/wire.js';
import { DATA, LSST_SCHEMAS } from './data.js';

const rubinSchemas = loadRubinSchemas(LSST_SCHEMAS);
type Row = Record<string, any>;

async function generate(survey: 'ztf' | 'lsst', count: number, seed: number): Promise<OutgoingAlert[]> {
  const out: OutgoingAlert[] = [];
  for await (const alert of syntheticAlerts({ survey, count, seed, rubinSchemas, templates: [`${DATA}${survey}/alerts`] })) out.push(alert);
  return out;
}

/** The real alerts, to find each synthetic alert's template by its (unchanged) cutout. */
async function templatesByCutout(survey: 'ztf' | 'lsst'): Promise<Map<string, Row>> {
  const { readAlertMessages } = await import('../../../src/ingest/files.js');
  const { outgoingFromFiles } = await import('../../../src/ingest/replay.js');
  const map = new Map<string, Row>();
  for await (const item of outgoingFromFiles(readAlertMessages([`${DATA}${survey}/alerts`]), rubinSchemas)) {
    if ('error' in item) continue;
    const record = decode(item);
    if (record.cutoutScience) map.set(cutoutKey(record), record);
  }
  return map;
}

/** ZTF wraps the stamp in a record with its file name; Rubin gives the bytes. */
function cutoutKey(record: Row): string {
  const cutout = record.cutoutScience;
  return Buffer.from(cutout.stampData ?? cutout).toString('base64');
}

function decode(alert: OutgoingAlert): Row {
  return alert.survey === 'ztf' ? ocfRecords(alert.value)[0]! : decodeRubin(rubinSchemas, alert.value);
}

function separationArcsec(ra1: number, dec1: number, ra2: number, dec2: number): number {
  const r = Math.PI / 180;
  const c = Math.sin(dec1 * r) * Math.sin(dec2 * r) + Math.cos(dec1 * r) * Math.cos(dec2 * r) * Math.cos((ra1 - ra2) * r);
  return (Math.acos(Math.min(1, c)) / r) * 3600;
}

describe('randomSkyPosition', () => {
  it('is uniform on the sphere: half the sky lies within 30° of the equator, a quarter in each RA quadrant', () => {
    const random = new Random(3);
    const points = Array.from({ length: 20000 }, () => randomSkyPosition(random));
    const equatorial = points.filter((p) => Math.abs(p.dec) < 30).length / points.length;
    expect(equatorial).toBeGreaterThan(0.48);
    expect(equatorial).toBeLessThan(0.52);
    const firstQuadrant = points.filter((p) => p.ra < 90).length / points.length;
    expect(firstQuadrant).toBeGreaterThan(0.23);
    expect(firstQuadrant).toBeLessThan(0.27);
    expect(points.every((p) => p.ra >= 0 && p.ra < 360 && p.dec >= -90 && p.dec <= 90)).toBe(true);
  });
});

describe('IdAllocator', () => {
  it('issues distinct ids in [2^62, 2^63) without remembering them, the same sequence for the same seed', () => {
    const ids = Array.from({ length: 200_000 }, ((allocator) => () => allocator.long())(new IdAllocator(new Random(1))));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id >= SYNTHETIC_ID_MIN && id < 1n << 63n)).toBe(true);
    const again = new IdAllocator(new Random(1));
    expect([again.long(), again.long()]).toEqual(ids.slice(0, 2));
    // Counter values that differ in one low bit map to ids differing in many bits.
    const diff = mix62(1000n) ^ mix62(1001n);
    expect(diff.toString(2).replace(/0/g, '').length).toBeGreaterThan(15);
    // Wrapping at 2^62 stays in range.
    expect(mix62((1n << 62n) - 1n)).toBeLessThan(1n << 62n);
  });
});

describe('synthetic ZTF alerts', () => {
  it('have new unique, marked ids, the header, and the size of real ZTF alerts', async () => {
    const alerts = await generate('ztf', 40, 11);
    const records = alerts.map(decode);
    expect(new Set(records.map((r) => r.objectId)).size).toBe(40);
    expect(records.every((r) => /^ZTF99[a-z]{7}$/.test(r.objectId))).toBe(true);
    const candids = records.flatMap((r) => [r.candid, ...(r.prv_candidates ?? []).map((p: Row) => p.candid).filter((c: unknown) => c !== null)]);
    expect(new Set(candids).size).toBe(candids.length);
    expect(candids.every((c) => typeof c === 'bigint' && c >= SYNTHETIC_ID_MIN && c < 1n << 63n)).toBe(true);
    expect(records.every((r) => r.candidate.candid === r.candid && r.publisher === 'Nightjar synthetic')).toBe(true);
    expect(alerts.every((a) => a.headers?.['nightjar-synthetic'] === '1' && a.key === decode(a).objectId && a.framing === 'ocf')).toBe(true);
    expect(alerts.every((a) => a.value.length > 60_000 && a.value.length < 85_000)).toBe(true);
    expect(records.every((r) => r.candidate.ra >= 0 && r.candidate.ra < 360 && Math.abs(r.candidate.dec) <= 90)).toBe(true);
    expect(records.some((r) => r.candidate.dec > 0) && records.some((r) => r.candidate.dec < 0)).toBe(true);
  });

  it('keep the light curve shape: one offset for every magnitude (plus error-sized noise) and the history around the new position', async () => {
    const templates = await templatesByCutout('ztf');
    for (const synthetic of (await generate('ztf', 10, 5)).map(decode)) {
      const template = templates.get(cutoutKey(synthetic))!;
      expect(template).toBeDefined();
      const offset = synthetic.candidate.magpsf - template.candidate.magpsf;
      synthetic.prv_candidates?.forEach((prv: Row, i: number) => {
        const original = template.prv_candidates[i];
        expect(prv.jd).toBe(original.jd);
        if (original.magpsf === null) return expect(prv.magpsf).toBeNull();
        // Both points carry noise of their own error size; 6 sigma bounds the difference.
        const sigma = Math.hypot(original.sigmapsf, template.candidate.sigmapsf);
        expect(Math.abs(prv.magpsf - original.magpsf - offset)).toBeLessThan(6 * sigma + 1e-5);
        const before = separationArcsec(original.ra, original.dec, template.candidate.ra, template.candidate.dec);
        const after = separationArcsec(prv.ra, prv.dec, synthetic.candidate.ra, synthetic.candidate.dec);
        expect(Math.abs(after - before)).toBeLessThan(0.05);
      });
    }
  });

  it('are deterministic by seed', async () => {
    const a = await generate('ztf', 5, 99);
    const b = await generate('ztf', 5, 99);
    const c = await generate('ztf', 5, 100);
    expect(a.map((x) => x.value.toString('base64'))).toEqual(b.map((x) => x.value.toString('base64')));
    expect(a.map((x) => x.key)).not.toEqual(c.map((x) => x.key));
  });
});

describe('synthetic Rubin alerts', () => {
  it('carry one new diaObjectId through every row, new unique ids, the header and a real alert size', async () => {
    const alerts = await generate('lsst', 12, 4);
    const records = alerts.map(decode);
    const ids: bigint[] = [];
    records.forEach((r, i) => {
      const objectId = r.diaSource.diaObjectId;
      expect(alerts[i]!.key).toBe(String(objectId));
      expect(r.diaSourceId).toBe(r.diaSource.diaSourceId);
      for (const row of [...(r.prvDiaSources ?? []), ...(r.prvDiaForcedSources ?? [])]) expect(row.diaObjectId).toBe(objectId);
      if (r.diaObject) expect(r.diaObject.diaObjectId).toBe(objectId);
      expect(r.diaSource.ssObjectId ?? null).toBeNull();
      ids.push(r.diaSourceId, objectId, ...(r.prvDiaSources ?? []).map((p: Row) => p.diaSourceId), ...(r.prvDiaForcedSources ?? []).map((p: Row) => p.diaForcedSourceId));
    });
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id >= SYNTHETIC_ID_MIN && id < 1n << 63n)).toBe(true);
    expect(alerts.every((a) => a.headers?.['nightjar-synthetic'] === '1' && a.framing === 'confluent')).toBe(true);
    expect(alerts.every((a) => [900, 1000].includes(confluentSchemaId(a.value)!))).toBe(true);
    // Real Rubin alerts with cutouts: 110 KB without history, up to about 300 KB with it.
    expect(alerts.every((a) => a.value.length > 100_000 && a.value.length < 320_000)).toBe(true);
    expect(alerts.some((a) => a.value.length > 240_000)).toBe(true);
  });

  it('scale every flux of an alert by one factor', async () => {
    const templates = await templatesByCutout('lsst');
    for (const synthetic of (await generate('lsst', 6, 8)).map(decode)) {
      const template = templates.get(cutoutKey(synthetic))!;
      const ratios = [...(synthetic.prvDiaForcedSources ?? [])].map((row: Row, i: number) => row.psfFluxErr / template.prvDiaForcedSources[i].psfFluxErr);
      ratios.push(synthetic.diaSource.psfFluxErr / template.diaSource.psfFluxErr);
      for (const ratio of ratios) expect(ratio).toBeCloseTo(ratios[0]!, 4);
    }
  });
});
