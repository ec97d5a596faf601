import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import '../../../src/alert/fields.js';
import { alertToJSON } from '../../../src/alert/json.js';
import { alertJsonSchema } from '../../../src/alert/json-schema.js';
import { newDecoder, okAlerts, realFiles } from './support.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(alertJsonSchema());

describe('alert JSON and its schema', () => {
  it('validates the JSON of every real alert, with cutouts and survey records', async () => {
    const decoder = newDecoder();
    let checked = 0;
    for (const { file, bytes } of realFiles()) {
      for (const alert of okAlerts(await decoder.decodeMessage(bytes, { cutouts: true }))) {
        const json = JSON.parse(JSON.stringify(alertToJSON(alert)));
        expect(validate(json) ? [] : validate.errors, file).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(25);
  });

  it('writes ids as strings and cutouts as base64 of the stamps as sent (ZTF: gzip FITS), each only when asked', async () => {
    const [file] = realFiles().filter((f) => f.file.endsWith('ZTF19acxxwrs.avro'));
    const [alert] = okAlerts(await newDecoder().decodeMessage(file!.bytes, { cutouts: true }));
    const json = alertToJSON(alert!);
    expect(json.alertId).toBe('1079453312715015005');
    const cutouts = json.cutouts as Record<string, string>;
    expect(Buffer.from(gunzipSync(Buffer.from(cutouts.science!, 'base64'))).subarray(0, 6).toString('latin1')).toBe('SIMPLE');
    expect(alertToJSON(alert!, { cutouts: false, lightcurve: false })).not.toHaveProperty('cutouts');
    expect(alertToJSON(alert!, { cutouts: false, lightcurve: false })).not.toHaveProperty('lightcurve');
  });

  it('leaves the survey record\'s history out with the light curve, keeping the rest of it and validating', async () => {
    const decoder = newDecoder();
    let checked = 0;
    for (const { file, bytes } of realFiles()) {
      for (const alert of okAlerts(await decoder.decodeMessage(bytes))) {
        const record = (alert.ztf ?? alert.lsst) as Record<string, unknown>;
        const full = alertToJSON(alert, { cutouts: false });
        const bare = alertToJSON(alert, { cutouts: false, lightcurve: false });
        const name = alert.survey === 'ztf' ? 'ztf' : 'lsst';
        const history = Object.keys(record).filter((k) => ['prv_candidates', 'fp_hists', 'prvDiaSources', 'prvDiaForcedSources'].includes(k));
        for (const key of history) {
          expect(full[name], file).toHaveProperty(key);
          expect(bare[name], file).not.toHaveProperty(key);
        }
        expect(Object.keys(bare[name] as object).sort(), file).toEqual(Object.keys(record).filter((k) => !history.includes(k)).sort());
        expect(record, 'the alert itself is unchanged').toHaveProperty(history[0] ?? 'candidate');
        expect(validate(JSON.parse(JSON.stringify(bare))) ? [] : validate.errors, file).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBe(25);
  });

  it('rejects JSON that breaks the catalogue: missing keys, wrong types, unknown bands', () => {
    const good = { survey: 'ztf', alertId: '1', objectId: 'ZTF1', mjd: 60000, ra: 1, dec: 2, band: 'r', lightcurve: [] };
    expect(validate(good)).toBe(true);
    const { alertId: _drop, ...missing } = good;
    expect(validate(missing)).toBe(false);
    expect(validate({ ...good, mag: '18' })).toBe(false);
    expect(validate({ ...good, band: 'R' })).toBe(false);
    expect(validate({ ...good, ztf: { candidate: { magpsf: 'bright' } } })).toBe(false);
    expect(validate({ ...good, lightcurve: [{ mjd: 1, kind: 'guess' }] })).toBe(false);
  });
});
