import { describe, expect, it } from 'vitest';
import { fluxFromMag } from '../../../src/ingest/normalise-common.js';
import { errorCodes, manifest, newDecoder, okAlerts, realFile, realFiles, recompress } from './support.js';
import { gunzipIfNeeded } from '../../../src/api/cutouts/fits-image.js';
import { isGzip } from '../../../src/ingest/cutouts.js';

const decoder = newDecoder();

describe('AlertDecoder on every real alert', () => {
  it('decodes every record of every file, with exactly the ids, position and band of the manifest', async () => {
    const decoded = [];
    for (const { file, bytes } of realFiles()) {
      for (const alert of okAlerts(await decoder.decodeMessage(bytes))) decoded.push({ file, alert });
    }
    const rows = manifest();
    expect(decoded).toHaveLength(rows.length);
    for (const row of rows) {
      const hit = decoded.find((d) => d.file === row.path && d.alert.alertId === row.alertId);
      expect(hit, `${row.path} ${row.alertId}`).toBeDefined();
      const { alert } = hit!;
      expect(alert.survey).toBe(row.survey);
      // Rubin solar-system alerts carry diaObjectId 0: the object is then the ssObjectId.
      if (row.objectId !== '0') expect(alert.objectId).toBe(row.objectId);
      else expect(alert.objectId).toBe('21163624394469969');
      expect(alert.ra).toBe(row.ra);
      expect(alert.dec).toBe(row.dec);
    }
  });

  it('keeps 64-bit ids exact where a double would change them', async () => {
    const [alert] = okAlerts(await decoder.decodeMessage(realFile('lsst/alerts/sample.lsst.v11_1.avro')));
    // As doubles both are 281323062375219200.
    expect(alert!.alertId).toBe('281323062375219200');
    expect(alert!.objectId).toBe('281323062375219201');
    const lsst = alert!.lsst as { diaObject: { diaObjectId: unknown }; prvDiaSources: { diaSourceId: unknown }[] };
    expect(lsst.diaObject.diaObjectId).toBe('281323062375219201');
    expect(typeof lsst.prvDiaSources[0]!.diaSourceId).toBe('string');
    expect(() => JSON.stringify(alert)).not.toThrow();
  });

  it('decodes every bundled Rubin version (9.0, 10.0, 11.0, 11.1) to the same alert', async () => {
    const versions = ['9_0', '10_0', '11_0', '11_1'];
    const alerts = [];
    for (const v of versions) alerts.push(okAlerts(await decoder.decodeMessage(realFile(`lsst/alerts/sample.lsst.v${v}.avro`)))[0]!);
    for (const alert of alerts) {
      const { lsst: _lsst, ...core } = alert;
      const { lsst: _first, ...first } = alerts[0]!;
      expect(core).toEqual(first);
    }
    expect(alerts[0]!.mag).toBeCloseTo(-2.5 * Math.log10(1241) + 31.4, 12);
  });

  it('normalises a ZTF alert: mjd from jd, band from fid, flux sign from isdiffpos, drb as reliability, sentinels as null', async () => {
    const [alert] = okAlerts(await decoder.decodeMessage(realFile('ztf/alerts/ztf_20250302_programid1_ZTF17aaarzyp_2982177112815010003.v4_02.avro')));
    const candidate = (alert!.ztf as { candidate: Record<string, unknown> }).candidate;
    expect(alert!.mjd).toBe((candidate.jd as number) - 2400000.5);
    expect(alert!.band).toBe('r');
    expect(candidate.isdiffpos).toBe('f');
    expect(alert!.isPositive).toBe(false);
    expect(alert!.flux).toBeCloseTo(-fluxFromMag(15.883607864379883), 6);
    expect(alert!.snr).toBeCloseTo(1.0857362047581294 / (candidate.sigmapsf as number), 9);
    expect(alert!.reliability).toBe(candidate.drb);
    // -999 sentinels and the string "null" of this alert's candidate.
    expect(candidate.ssdistnr).toBeNull();
    expect(candidate.ssnamenr).toBeNull();
    const kinds = alert!.lightcurve.map((p) => p.kind);
    expect(kinds.filter((k) => k === 'forced')).toHaveLength(14);
    expect(kinds.filter((k) => k === 'upperlimit')).toHaveLength(10);
    expect(alert!.lightcurve.map((p) => p.mjd)).toEqual([...alert!.lightcurve.map((p) => p.mjd)].sort((a, b) => a - b));
    const limit = alert!.lightcurve.find((p) => p.kind === 'upperlimit')!;
    expect(limit.mag).toBeNull();
    expect(limit.limitMag).toBeGreaterThan(15);
  });

  it('converts ZTF forced photometry from DN at magzpsci to nJy', async () => {
    const [alert] = okAlerts(await decoder.decodeMessage(realFile('ztf/alerts/2695378462115010012.avro')));
    const fp = (alert!.ztf as { fp_hists: Record<string, number | null>[] }).fp_hists.filter((row) => row.forcediffimflux !== null);
    const forced = alert!.lightcurve.filter((p) => p.kind === 'forced');
    expect(forced).toHaveLength(fp.length);
    const row = fp[0]!;
    const point = forced.find((p) => Math.abs(p.mjd - (row.jd! - 2400000.5)) < 1e-9)!;
    expect(point.flux).toBeCloseTo(row.forcediffimflux! * 10 ** ((31.4 - row.magzpsci!) / 2.5), 6);
  });

  it('reads a Rubin solar-system alert (diaObjectId 0) under its ssObjectId, and a negative flux without magnitude', async () => {
    const alerts = okAlerts(await decoder.decodeMessage(realFile('lsst/alerts/fink_rubin_4alerts.avro')));
    expect(alerts).toHaveLength(4);
    expect(alerts[3]!.objectId).toBe('21163624394469969');
    const [negative] = okAlerts(await decoder.decodeMessage(realFile('lsst/alerts/7912941781254298.avro')));
    expect(negative!.flux).toBe(-1230.2757568359375);
    expect(negative!.mag).toBeNull();
    expect(negative!.isPositive).toBe(false);
    expect(negative!.magErr).toBeCloseTo((2.5 / Math.LN10) * negative!.fluxErr! / 1230.2757568359375, 12);
    expect(alerts[0]!.lightcurve.filter((p) => p.kind === 'forced').length).toBeGreaterThan(300);
  });

  it('returns the cutouts as sent (ZTF gzip-compressed) only when asked, and the survey record unless raw is false', async () => {
    for (const file of ['ztf/alerts/ZTF19acxxwrs.avro', 'lsst/alerts/7912941781254298.avro']) {
      const [light] = okAlerts(await decoder.decodeMessage(realFile(file)));
      expect(light!.cutouts).toBeUndefined();
      const [full] = okAlerts(await decoder.decodeMessage(realFile(file), { cutouts: true, raw: false }));
      expect(full!.ztf ?? full!.lsst).toBeUndefined();
      for (const stamp of [full!.cutouts!.science, full!.cutouts!.template, full!.cutouts!.difference]) {
        expect(isGzip(stamp!)).toBe(file.startsWith('ztf/'));
        expect(gunzipIfNeeded(Buffer.from(stamp!), 1 << 20).subarray(0, 9).toString('latin1')).toBe('SIMPLE  =');
      }
      const record = (light!.ztf ?? light!.lsst)!;
      expect(Object.keys(record).some((key) => key.startsWith('cutout'))).toBe(false);
    }
  });

  it('decodes the 11-record container into 11 outcomes indexed in order', async () => {
    const outcomes = await decoder.decodeMessage(realFile('ztf/alerts/avro_multi_alerts.avro'));
    expect(outcomes.map((o) => o.index)).toEqual([...Array(11).keys()]);
    expect(okAlerts(outcomes).map((a) => a.objectId).slice(0, 2)).toEqual(['ZTF19acmbvwi', 'ZTF19acmbuei']);
  });

  it.each(['deflate', 'snappy'] as const)('reads %s containers, several records per block', async (codec) => {
    const original = realFile('ztf/alerts/avro_multi_alerts.avro');
    const expected = okAlerts(await decoder.decodeMessage(original));
    const outcomes = await decoder.decodeMessage(recompress(original, codec, 4));
    expect(errorCodes(outcomes)).toEqual([]);
    expect(okAlerts(outcomes)).toEqual(expected);
  });

  it('offers the same result synchronously when no registry lookup is needed', () => {
    const bytes = realFile('ztf/alerts/ZTF19acihgng.avro');
    const [alert] = okAlerts(decoder.decodeMessageSync(bytes));
    expect(alert!.alertId).toBe('1060135832015015002');
  });
});
