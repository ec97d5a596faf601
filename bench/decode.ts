/**
 * Decode benchmark, one core: real ZTF alerts (single-record containers, as ZTF publishes them)
 * and realistic Rubin alerts (the four Fink-re-published 2026 alerts, ≈240 KB, 300–390 previous
 * sources each, re-framed in Confluent wire format with their bundled schema id). For each, in the
 * same run: the floor (avsc decoding the same record bytes with a precompiled type and BigInt
 * longs, nothing else), Nightjar's full decode + normalise (cutouts decompressed, survey record
 * attached), and the light path (no cutouts). Medians of RUNS timed runs after a warm-up.
 *   npx tsx bench/decode.ts
 * Writes bench/results/decode.json.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import avro from 'avsc';
import { loadConfig } from '../src/config/index.js';
import { AlertDecoder, type DecodeOptions } from '../src/ingest/index.js';
import { withoutDefaults } from '../src/ingest/decode/compile.js';
import { compileWriterSchema, encodeRubin, fitRubinRecord, loadRubinSchemas, ocfRecordBytes, ocfRecords, parseOcfHeader, splitOcf, bigIntLong } from '../src/ingest/wire.js';

const RUNS = 9;
const MIN_SECONDS = 1;
const DATA = new URL('../../shared/data/', import.meta.url).pathname;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

interface Corpus {
  name: string;
  /** Kafka message values as the survey sends them. */
  messages: Buffer[];
  /** For the floor: each message's record bytes and the compiled writer type. */
  floor: { type: avro.Type; bytes: Buffer }[];
}

function bigIntType(schema: unknown, registry: Record<string, avro.Type> = {}): avro.Type {
  return avro.Type.forSchema(withoutDefaults(schema) as avro.Schema, { registry: { ...registry, long: bigIntLong }, wrapUnions: 'never' });
}

function ztfCorpus(): Corpus {
  const dir = `${DATA}ztf/alerts/`;
  const messages = readdirSync(dir)
    .filter((f) => /v4_02|^\d+\.avro$/.test(f))
    .flatMap((f) => splitOcf(readFileSync(dir + f)));
  const floor = messages.map((message) => {
    const header = parseOcfHeader(message);
    return { type: bigIntType(header.schema), bytes: ocfRecordBytes(message, header)[0]! };
  });
  return { name: 'ZTF 4.02 (OCF)', messages, floor };
}

function rubinCorpus(): Corpus {
  const schemas = loadRubinSchemas();
  const records = ocfRecords(readFileSync(`${DATA}lsst/alerts/fink_rubin_4alerts.avro`));
  const messages = records.map((record) => {
    const fit = fitRubinRecord(schemas, record);
    if (!fit.ok) throw new Error(fit.reason);
    return encodeRubin(fit.schema, fit.record);
  });
  const floorTypes = new Map<number, avro.Type>();
  const floor = messages.map((message) => {
    const id = message.readUInt32BE(1);
    const version = `${Math.floor(id / 100)}.${id % 100}`;
    if (!floorTypes.has(id)) floorTypes.set(id, schemas.get(version)!.type);
    return { type: floorTypes.get(id)!, bytes: message.subarray(5) };
  });
  return { name: 'Rubin (Confluent, Fink 2026 alerts)', messages, floor };
}

/**
 * Alerts per second of each variant, median of RUNS runs of at least MIN_SECONDS each. The variants
 * take turns within every run, so a neighbour's load on the shared machine hits them alike.
 */
function rates(count: number, variants: Record<string, () => void>): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (const [name, fn] of Object.entries(variants)) {
    fn();
    samples[name] = [];
  }
  for (let run = 0; run < RUNS; run++) {
    for (const [name, fn] of Object.entries(variants)) {
      let done = 0;
      const t0 = performance.now();
      let elapsed = 0;
      while (elapsed < MIN_SECONDS * 1000) {
        fn();
        done += count;
        elapsed = performance.now() - t0;
      }
      samples[name]!.push(done / (elapsed / 1000));
    }
  }
  return Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
}

function measure(corpus: Corpus, decoder: AlertDecoder) {
  const bytes = corpus.messages.reduce((sum, m) => sum + m.length, 0);
  const n = corpus.messages.length;
  const nightjar = (options: DecodeOptions) => () => {
    for (const message of corpus.messages) {
      const [outcome] = decoder.decodeMessageSync(message, options);
      if (!outcome?.ok) throw outcome?.error;
    }
  };
  const measured = rates(n, {
    floor: () => {
      for (const { type, bytes: record } of corpus.floor) type.fromBuffer(record);
    },
    full: nightjar({ cutouts: true, raw: true }),
    light: nightjar({ cutouts: false, raw: true }),
  });
  const floorRate = measured.floor!;
  const fullRate = measured.full!;
  const lightRate = measured.light!;
  const mbPerS = (alertsPerS: number) => round((alertsPerS * bytes) / n / 1e6);
  const row = (alertsPerS: number) => ({ alertsPerS: Math.round(alertsPerS), mbPerS: mbPerS(alertsPerS), ofFloor: round(alertsPerS / floorRate, 2) });
  return { corpus: corpus.name, alerts: n, meanBytes: Math.round(bytes / n), floor: row(floorRate), full: row(fullRate), light: row(lightRate) };
}

const decoder = new AlertDecoder({ config: loadConfig({ env: {} }) });
const results = [ztfCorpus(), rubinCorpus()].map((corpus) => measure(corpus, decoder));
const out = { machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version }, date: new Date().toISOString(), runs: RUNS, results };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/decode.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);

console.log('corpus                                   bytes  | floor alerts/s  MB/s | full alerts/s  MB/s  ×floor | light alerts/s  MB/s  ×floor');
for (const r of results) {
  const cell = (x: { alertsPerS: number; mbPerS: number; ofFloor: number }, ratio: boolean) => `${String(x.alertsPerS).padStart(8)} ${String(x.mbPerS).padStart(7)}${ratio ? String(x.ofFloor).padStart(7) : ''}`;
  console.log(`${r.corpus.padEnd(38)} ${String(r.meanBytes).padStart(7)}  | ${cell(r.floor, false)}    | ${cell(r.full, true)}  | ${cell(r.light, true)}`);
}
