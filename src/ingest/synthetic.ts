/**
 * Synthetic alerts for load tests and demos, derived from real ones: each takes a real alert
 * (with its real cutouts, so sizes stay realistic), gives it new unique ids, moves it to a
 * position drawn uniformly on the sky, and shifts its light curve by one random magnitude offset
 * applied to every point of the history plus per-point noise at the size of each point's error.
 * Output is in the survey's wire format and deterministic for a given seed and template set.
 *
 * Synthetic alerts are marked three ways (docs/replay.md):
 *  - Kafka header `nightjar-synthetic: 1`;
 *  - every id Nightjar invents lies in [2^62, 2^63) (candid, diaSourceId, diaObjectId, ...),
 *    above the ranges both surveys' id packing uses;
 *  - ZTF objectIds start with `ZTF99` and `publisher` reads `Nightjar synthetic`.
 */
import { fileURLToPath } from 'node:url';
import type { Survey } from '../alert/types.js';
import { Random } from '../annotate/random.js';
import { NightjarError } from '../errors/index.js';
import { isAlertFileError, readAlertMessages } from './files.js';
import { rubinKey, rubinObservedAtMs, ztfObservedAtMs, type OutgoingAlert } from './replay.js';
import {
  compileWriterSchema,
  decodeRubin,
  detectWireFormat,
  encodeRubin,
  fitRubinRecord,
  ocfRecords,
  parseOcfHeader,
  writeOcf,
  type OcfHeader,
  type RubinSchema,
} from './wire.js';

export const SYNTHETIC_HEADER = 'nightjar-synthetic';
/** Every id Nightjar invents is at least 2^62. */
export const SYNTHETIC_ID_MIN = 1n << 62n;
export const SYNTHETIC_ZTF_PREFIX = 'ZTF99';
export const SYNTHETIC_PUBLISHER = 'Nightjar synthetic';

export interface SyntheticOptions {
  survey: Survey;
  count: number;
  seed: number;
  /** Files or directories of real alerts to derive from (default: defaultTemplatePaths). */
  templates?: string[];
  /** Rubin schemas to encode with (Rubin only). */
  rubinSchemas: Map<string, RubinSchema>;
  /** Standard deviation of the per-alert magnitude offset (mag). */
  magOffsetSigma?: number;
}

/** The real sample alerts bundled with the schemas (schemas/samples/<survey>). */
export function defaultTemplatePaths(survey: Survey): string[] {
  return [sampleAlertsDir(survey)];
}

export function sampleAlertsDir(survey: Survey): string {
  return fileURLToPath(new URL(`../../schemas/samples/${survey}/`, import.meta.url));
}

/** `count` synthetic alerts; same seed and templates, same bytes. */
export async function* syntheticAlerts(options: SyntheticOptions): AsyncGenerator<OutgoingAlert> {
  if (!Number.isInteger(options.count) || options.count < 0) throw new RangeError(`count ${options.count} must be a non-negative integer`);
  const templates = await loadTemplates(options.survey, options.templates ?? defaultTemplatePaths(options.survey), options.rubinSchemas);
  const random = new Random(options.seed);
  const ids = new IdAllocator(random);
  const sigma = options.magOffsetSigma ?? 0.5;
  for (let i = 0; i < options.count; i++) {
    const template = templates[random.int(templates.length)]!;
    const jitter = new Jitter(random, sigma, randomSkyPosition(random));
    yield template.kind === 'ztf' ? synthesiseZtf(template, ids, jitter, i) : synthesiseRubin(template, ids, jitter, i);
  }
}

// ---- templates ----------------------------------------------------------------------------------

interface ZtfTemplate {
  kind: 'ztf';
  header: OcfHeader;
  record: Record<string, unknown>;
}

interface RubinTemplate {
  kind: 'lsst';
  schema: RubinSchema;
  record: Record<string, unknown>;
}

type Template = ZtfTemplate | RubinTemplate;

const ZTF_ALERT_FIELDS = new Set(['schemavsn', 'publisher', 'objectId', 'candid', 'candidate', 'prv_candidates', 'fp_hists', 'cutoutScience', 'cutoutTemplate', 'cutoutDifference']);

/**
 * Real alerts of the survey carrying cutouts (the small simulated Rubin samples have none).
 * ZTF templates come from containers with ZTF's own alert fields only: a re-publisher's added
 * fields (Fink's cmagpsf, ...) would not follow the jittered light curve.
 */
async function loadTemplates(survey: Survey, paths: string[], rubinSchemas: Map<string, RubinSchema>): Promise<Template[]> {
  const templates: Template[] = [];
  for await (const item of readAlertMessages(paths)) {
    if (isAlertFileError(item)) continue;
    const format = safely(() => detectWireFormat(item.bytes));
    if (format?.survey !== survey) continue;
    const found = survey === 'ztf' ? ztfTemplates(item.bytes) : rubinTemplates(item.bytes, format.framing, rubinSchemas);
    templates.push(...found.filter((t) => t.record.cutoutScience != null));
  }
  if (templates.length === 0) throw new NightjarError('INPUT_UNREADABLE', `no real ${survey} alerts with cutouts to derive synthetic alerts from in ${paths.join(', ')}`);
  return templates;
}

function ztfTemplates(bytes: Uint8Array): Template[] {
  const header = parseOcfHeader(bytes);
  const fields = (header.schema.fields as { name: string }[]).map((f) => f.name);
  if (!fields.every((name) => ZTF_ALERT_FIELDS.has(name))) return [];
  return ocfRecords(bytes, header).map((record) => ({ kind: 'ztf', header, record }));
}

function rubinTemplates(bytes: Uint8Array, framing: 'ocf' | 'confluent', schemas: Map<string, RubinSchema>): Template[] {
  if (framing === 'confluent') {
    const record = safely(() => decodeRubin(schemas, bytes));
    const schema = schemas.get(versionOfFrame(bytes));
    return record && schema ? [{ kind: 'lsst', schema, record }] : [];
  }
  return ocfRecords(bytes).flatMap((source): Template[] => {
    const fit = fitRubinRecord(schemas, source);
    return fit.ok ? [{ kind: 'lsst', schema: fit.schema, record: fit.record }] : [];
  });
}

function versionOfFrame(bytes: Uint8Array): string {
  const id = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(1);
  return `${Math.floor(id / 100)}.${id % 100}`;
}

function safely<T>(fn: () => T): T | null {
  try {
    return fn();
  } catch {
    return null;
  }
}

// ---- ids, positions and light-curve jitter ------------------------------------------------------

const ID_BITS = 62n;
const ID_MASK = (1n << ID_BITS) - 1n;
const MIX_MULTIPLIER = 0x2545f4914f6cdd1dn & ID_MASK; // odd, so multiplication is invertible mod 2^62

/**
 * Ids in [2^62, 2^63) that look random but are unique by construction: a counter, started at a
 * seeded offset, passed through an invertible 62-bit mix (xor-shifts and an odd multiplier), so no
 * set of issued ids is kept however many history rows get one. ZTF object names are drawn at
 * random and checked against the ones issued (one per alert).
 */
export class IdAllocator {
  private readonly usedNames = new Set<string>();
  private counter: bigint;

  constructor(private readonly random: Random) {
    this.counter = (BigInt(random.uint32()) << 30n) ^ BigInt(random.uint32());
  }

  long(): bigint {
    this.counter = (this.counter + 1n) & ID_MASK;
    return SYNTHETIC_ID_MIN | mix62(this.counter);
  }

  /** ZTF's object name form `ZTF<yy><7 letters>`, with the never-used year 99. */
  ztfObjectId(): string {
    for (;;) {
      let name = SYNTHETIC_ZTF_PREFIX;
      for (let i = 0; i < 7; i++) name += String.fromCharCode(97 + this.random.int(26));
      if (!this.usedNames.has(name)) {
        this.usedNames.add(name);
        return name;
      }
    }
  }
}

/** A bijection on 62-bit integers: each step (x ^= x >> k, x *= odd mod 2^62) can be undone. */
export function mix62(x: bigint): bigint {
  let v = x & ID_MASK;
  v ^= v >> 31n;
  v = (v * MIX_MULTIPLIER) & ID_MASK;
  v ^= v >> 29n;
  v = (v * MIX_MULTIPLIER) & ID_MASK;
  v ^= v >> 32n;
  return v;
}

export interface SkyPosition {
  ra: number;
  dec: number;
}

/** Uniform on the sphere: RA uniform, sin(Dec) uniform. */
export function randomSkyPosition(random: Random): SkyPosition {
  const ra = random.next() * 360;
  const dec = (Math.asin(2 * random.next() - 1) * 180) / Math.PI;
  return { ra, dec };
}

const DEG = Math.PI / 180;

/** Moves a light curve to a new position and brightness, the same way for every point. */
class Jitter {
  /** Magnitude offset applied to every point. */
  readonly magOffset: number;
  readonly fluxFactor: number;
  private origin: SkyPosition | null = null;

  constructor(
    private readonly random: Random,
    sigma: number,
    private readonly target: SkyPosition,
  ) {
    this.magOffset = random.gaussian() * sigma;
    this.fluxFactor = 10 ** (-0.4 * this.magOffset);
  }

  /** The alert's own position, fixed first so the history keeps its offsets from it. */
  setOrigin(origin: SkyPosition): void {
    this.origin = origin;
  }

  /** Keeps a point's angular offset from the origin (small-angle, in the tangent plane) around the target. */
  move(ra: unknown, dec: unknown): SkyPosition | null {
    if (typeof ra !== 'number' || typeof dec !== 'number' || !Number.isFinite(ra) || !Number.isFinite(dec) || !this.origin) return null;
    const dRaCosDec = wrap180(ra - this.origin.ra) * Math.cos(this.origin.dec * DEG);
    const newDec = clamp(this.target.dec + (dec - this.origin.dec), -90, 90);
    const cosDec = Math.max(Math.cos(newDec * DEG), 1e-6);
    return { ra: wrap360(this.target.ra + dRaCosDec / cosDec), dec: newDec };
  }

  mag(value: unknown, error: unknown): unknown {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= -99 || value >= 99) return value;
    return value + this.magOffset + this.noise(error);
  }

  flux(value: unknown, error: unknown): unknown {
    if (typeof value !== 'number' || !Number.isFinite(value)) return value;
    return (value + this.noise(error)) * this.fluxFactor;
  }

  /** Scales a flux-like value (errors, means, extremes) without noise. */
  scale(value: unknown): unknown {
    return typeof value === 'number' && Number.isFinite(value) ? value * this.fluxFactor : value;
  }

  private noise(error: unknown): number {
    return typeof error === 'number' && Number.isFinite(error) && error > 0 ? this.random.gaussian() * error : 0;
  }
}

function wrap360(deg: number): number {
  return ((deg % 360) + 360) % 360;
}

function wrap180(deg: number): number {
  return wrap360(deg + 180) - 180;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

type Row = Record<string, unknown>;

/** A copy of plain objects and arrays; byte buffers (the cutouts) are shared, not copied. */
function copyRecord<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copyRecord) as T;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  // Spread first (fast for the wide, flat source rows), then copy nested values.
  const out: Row = { ...(value as Row) };
  for (const key in out) {
    const item = out[key];
    if (item !== null && typeof item === 'object' && !Buffer.isBuffer(item)) out[key] = copyRecord(item);
  }
  return out as T;
}

function movePair(row: Row, jitter: Jitter, raKey: string, decKey: string): void {
  const moved = jitter.move(row[raKey], row[decKey]);
  if (!moved) return;
  row[raKey] = moved.ra;
  row[decKey] = moved.dec;
}

// ---- ZTF ----------------------------------------------------------------------------------------

const ZTF_FLUX_SENTINEL = -99999;

function synthesiseZtf(template: ZtfTemplate, ids: IdAllocator, jitter: Jitter, index: number): OutgoingAlert {
  const record = copyRecord(template.record);
  const candidate = record.candidate as Row;
  const candid = ids.long();
  const objectId = ids.ztfObjectId();
  record.objectId = objectId;
  record.candid = candid;
  candidate.candid = candid;
  if ('publisher' in record) record.publisher = SYNTHETIC_PUBLISHER;
  jitter.setOrigin({ ra: candidate.ra as number, dec: candidate.dec as number });
  jitterZtfRow(candidate, jitter);
  for (const row of (record.prv_candidates ?? []) as Row[]) {
    if (row.candid != null) row.candid = ids.long();
    jitterZtfRow(row, jitter);
  }
  for (const row of (record.fp_hists ?? []) as Row[]) {
    movePair(row, jitter, 'ranr', 'decnr');
    // -99999 marks a failed forced-photometry measurement; it stays a sentinel.
    if (row.forcediffimflux === ZTF_FLUX_SENTINEL) continue;
    row.forcediffimflux = jitter.flux(row.forcediffimflux, row.forcediffimfluxunc);
    row.forcediffimfluxunc = jitter.scale(row.forcediffimfluxunc);
  }
  const type = compileWriterSchema(template.header.schemaText, template.header.schema);
  const value = writeOcf(template.header, [type.toBuffer(record)]);
  return { source: `synthetic:ztf:${index}`, survey: 'ztf', framing: 'ocf', key: objectId, value, observedAtMs: ztfObservedAtMs(record), headers: { [SYNTHETIC_HEADER]: '1' } };
}

/** Position, nearest-reference-source position, and the magnitudes measured on the difference image. */
function jitterZtfRow(row: Row, jitter: Jitter): void {
  movePair(row, jitter, 'ra', 'dec');
  movePair(row, jitter, 'ranr', 'decnr');
  row.magpsf = jitter.mag(row.magpsf, row.sigmapsf);
  row.magap = jitter.mag(row.magap, row.sigmagap);
  if ('magapbig' in row) row.magapbig = jitter.mag(row.magapbig, row.sigmagapbig);
}

// ---- Rubin --------------------------------------------------------------------------------------

const UNSCALED_FLUX_FIELD = /ndata|_flag|chi2/i;

function synthesiseRubin(template: RubinTemplate, ids: IdAllocator, jitter: Jitter, index: number): OutgoingAlert {
  const record = copyRecord(template.record);
  const source = record.diaSource as Row;
  const diaSourceId = ids.long();
  const diaObjectId = ids.long();
  record.diaSourceId = diaSourceId;
  jitter.setOrigin({ ra: source.ra as number, dec: source.dec as number });
  rewriteRubinSource(source, jitter, diaSourceId, diaObjectId);
  for (const row of (record.prvDiaSources ?? []) as Row[]) rewriteRubinSource(row, jitter, ids.long(), diaObjectId);
  for (const row of (record.prvDiaForcedSources ?? []) as Row[]) {
    row.diaForcedSourceId = ids.long();
    row.diaObjectId = diaObjectId;
    movePair(row, jitter, 'ra', 'dec');
    jitterFluxes(row, jitter);
  }
  if (record.diaObject) {
    const object = record.diaObject as Row;
    object.diaObjectId = diaObjectId;
    movePair(object, jitter, 'ra', 'dec');
    jitterFluxes(object, jitter);
  }
  // Solar-system templates become plain transients: the orbit would not match the new position.
  for (const key of ['ssSource', 'mpc_orbits', 'MPCORB']) if (key in record) record[key] = null;
  const value = encodeRubin(template.schema, record);
  return { source: `synthetic:lsst:${index}`, survey: 'lsst', framing: 'confluent', key: rubinKey(record), value, observedAtMs: rubinObservedAtMs(record), headers: { [SYNTHETIC_HEADER]: '1' } };
}

function rewriteRubinSource(row: Row, jitter: Jitter, diaSourceId: bigint, diaObjectId: bigint): void {
  row.diaSourceId = diaSourceId;
  row.diaObjectId = diaObjectId;
  if ('ssObjectId' in row) row.ssObjectId = null;
  if ('parentDiaSourceId' in row) row.parentDiaSourceId = null;
  movePair(row, jitter, 'ra', 'dec');
  movePair(row, jitter, 'trailRa', 'trailDec');
  jitterFluxes(row, jitter);
}

/** psfFlux gets noise at its error's size; every flux-like value is scaled by the same factor. */
function jitterFluxes(row: Row, jitter: Jitter): void {
  const psfFlux = jitter.flux(row.psfFlux, row.psfFluxErr);
  for (const key in row) if (isScaledFluxField(key)) row[key] = jitter.scale(row[key]);
  if ('psfFlux' in row) row.psfFlux = psfFlux;
}

const scaledFluxFields = new Map<string, boolean>();

function isScaledFluxField(key: string): boolean {
  let scaled = scaledFluxFields.get(key);
  if (scaled === undefined) {
    scaled = /flux/i.test(key) && !UNSCALED_FLUX_FIELD.test(key);
    scaledFluxFields.set(key, scaled);
  }
  return scaled;
}
