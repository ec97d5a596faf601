import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { alertToJSON } from '../../../src/alert/json.js';
import type { Alert } from '../../../src/alert/types.js';
import { loadConfig } from '../../../src/config/index.js';
import { AlertDecoder } from '../../../src/ingest/index.js';
import { LiveMessage } from '../../../src/live/message.js';
import { encodeMatchAvro } from '../../../src/publish/avro.js';
import { matchRecord, type MatchTarget } from '../../../src/publish/match.js';

const SAMPLES = new URL('../../../schemas/samples/', import.meta.url).pathname;

async function firstAlert(survey: 'ztf' | 'lsst'): Promise<Alert> {
  const decoder = new AlertDecoder({ config: loadConfig({ env: {} }) });
  const name = readdirSync(`${SAMPLES}${survey}`).sort()[0]!;
  const outcome = (await decoder.decodeMessage(readFileSync(`${SAMPLES}${survey}/${name}`), { cutouts: true }))[0]!;
  if (!outcome.ok) throw outcome.error;
  return outcome.alert;
}

/** A match in Avro reaches a live client as the same JSON a JSON-format match gives. */
describe('live feed of Avro matches', () => {
  it.each(['ztf', 'lsst'] as const)('selects the same fields from an Avro %s match as from its JSON twin', async (survey) => {
    const alert = await firstAlert(survey);
    const target = (format: 'json' | 'avro'): MatchTarget => ({ filterId: 'f', version: 2, owner: 'ada', topic: 'nightjar.user.ada', output: { format, lightcurve: false, cutouts: false } });
    const matchedAt = new Date('2026-11-22T20:41:07.512Z');
    const json = matchRecord(alert, target('json'), matchedAt, alertToJSON);
    const avro = encodeMatchAvro(alert, target('avro'), matchedAt);
    const fields = ['survey', 'alertId', 'objectId', 'mjd', 'ra', 'dec', 'band', 'mag', 'isPositive', survey === 'ztf' ? 'ztf.candidate.magpsf' : 'lsst.diaSource.psfFlux'];
    const frame = (value: string | Buffer) => JSON.parse(`{"x":0${new LiveMessage('matches', 0, 0, Buffer.from(value), {}).tail('k', fields)}}`) as { filter: unknown; matchedAt: string; data: Record<string, unknown> };
    const fromJson = frame(json.value);
    const fromAvro = frame(avro);
    expect(fromAvro).toEqual(fromJson);
    expect(fromAvro.filter).toEqual({ id: 'f', version: 2 });
    expect(Object.keys(fromAvro.data)).toEqual(expect.arrayContaining(['alertId', 'objectId', survey]));
  });
});
