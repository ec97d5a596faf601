import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allFields, lookupField } from '../../../src/alert/catalogue.js';
import { FIELDS_DOC_COMMAND } from '../../../src/alert/docs.js';
import { fieldsDocument } from '../../../src/alert/fields-doc.js';
import { coreFields } from '../../../src/alert/fields.js';

describe('field catalogue: core and survey fields', () => {
  it('has every core field of the Alert type with a description and an example', () => {
    const paths = coreFields.map((f) => f.path);
    for (const key of ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'band', 'mag', 'magErr', 'flux', 'fluxErr', 'snr', 'reliability', 'isPositive', 'lightcurve', 'cutouts']) {
      expect(paths).toContain(key);
    }
    for (const field of coreFields) {
      expect(field.description.length, field.path).toBeGreaterThan(10);
      expect(field.example, field.path).not.toBeUndefined();
    }
  });

  it('generates survey fields from the bundled schemas: types, docs, units and real examples', () => {
    expect(lookupField('ztf.candidate.magpsf')).toMatchObject({ type: 'number', unit: 'mag', example: 15.883607864379883, surveys: ['ztf'] });
    expect(lookupField('ztf.candidate.candid')).toMatchObject({ type: 'id', example: '2982177112815010003' });
    expect(lookupField('ztf.candidate.fid')).toMatchObject({ type: 'integer' });
    expect(lookupField('lsst.diaSource.psfFlux')).toMatchObject({ type: 'number', unit: 'nJy', surveys: ['lsst'] });
    expect(lookupField('lsst.diaObject.ra')).toMatchObject({ type: 'number', unit: 'deg' });
    expect(lookupField('lsst.diaSource.band')).toMatchObject({ type: 'string' });
    expect(lookupField('lsst.prvDiaSources')).toMatchObject({ type: 'array' });
    expect(lookupField('ztf.prv_candidates')).toMatchObject({ type: 'array' });
    // Every field of the newest Rubin diaSource schema is catalogued.
    const diaSource = JSON.parse(readFileSync(new URL('../../../schemas/lsst/11.1/lsst.v11_1.diaSource.avsc', import.meta.url), 'utf8')) as { fields: { name: string }[] };
    for (const { name } of diaSource.fields) expect(lookupField(`lsst.diaSource.${name}`), name).toBeDefined();
    expect(allFields().filter((f) => f.path.startsWith('ztf.candidate.')).length).toBeGreaterThan(100);
  });

  it('docs/fields.md is what the catalogue generates', () => {
    const checkedIn = readFileSync(new URL('../../../docs/fields.md', import.meta.url), 'utf8');
    const generated = fieldsDocument();
    if (checkedIn !== generated) throw new Error(`docs/fields.md is stale: regenerate it with \`${FIELDS_DOC_COMMAND}\``);
    expect(generated).toContain('| `ztf.candidate.magpsf` | number | mag |');
  });
});
