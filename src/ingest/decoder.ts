/**
 * The ingest decoder: one Kafka message's bytes → normalised Alerts (several for a container with
 * several records), or a catalogued error per failure. Never throws: every failure becomes a
 * failed outcome the caller dead-letters (or retries, when `error.retriable`).
 *
 * Framing is detected from the first bytes: `Obj\x01` is an Avro Object Container File (ZTF;
 * the writer schema travels in the header), 0x00 + a 4-byte big-endian schema id is Confluent
 * framing (Rubin; schema from the bundled schemas/lsst tree or the schema registry).
 */
import type avro from 'avsc';
import type { Alert, Survey } from '../alert/types.js';
import type { Config } from '../config/index.js';
import { asNightjarError, NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { compileSchema, schemaFingerprint, WriterTypeCache } from './decode/compile.js';
import type { DecodeLimits } from './decode/guard.js';
import { decodeAt, OCF_MAGIC, ocfBlocks, parseOcfHeader } from './decode/ocf.js';
import { ConfluentRegistrySource, type SchemaSource } from './decode/registry.js';
import { bundledRubinSchemaDir, loadBundledRubinSchemas } from './decode/rubin-schemas.js';
import { surveyOfSchema, surveyOfType } from './decode/survey.js';
import { lsstCutouts, ztfCutouts } from './cutouts.js';
import type { Row } from './normalise-common.js';
import { normaliseLsst } from './normalise-lsst.js';
import { normaliseZtf } from './normalise-ztf.js';

export type DecodeOutcome = { ok: true; alert: Alert; index: number } | { ok: false; error: NightjarError; index: number };

export interface DecodeOptions {
  /** Attach the three cutouts as plain FITS (ZTF stamps are gunzipped). Default false. */
  cutouts?: boolean;
  /** Attach the survey record (cutouts removed) as `alert.ztf` / `alert.lsst`. Default true. */
  raw?: boolean;
}

export interface AlertDecoderOptions {
  config: Config;
  logger?: Logger;
  /** Source of schemas for Confluent ids that are not bundled; default: config.schemaRegistry.url when set. */
  registryClient?: SchemaSource;
  /** Directory of Rubin schema versions (default: the bundled schemas/lsst). */
  rubinSchemaDir?: string;
}

export interface Writer {
  type: avro.Type;
  survey: Survey | null;
}

const CONFLUENT_HEADER_BYTES = 5;

export class AlertDecoder {
  private readonly limits: DecodeLimits;
  private readonly maxMessageBytes: number;
  private readonly logger: Logger | undefined;
  private readonly registry: SchemaSource | null;
  private readonly ocfWriters = new WriterTypeCache<Writer>();
  private readonly confluentWriters = new Map<number, Writer>();

  constructor(options: AlertDecoderOptions) {
    const { config } = options;
    this.limits = { maxArrayLength: config.ingest.maxArrayLength };
    this.maxMessageBytes = config.ingest.maxMessageBytes;
    this.logger = options.logger;
    this.registry = options.registryClient ?? (config.schemaRegistry.url ? new ConfluentRegistrySource(config.schemaRegistry.url) : null);
    for (const [id, writer] of loadBundledRubinSchemas(this.limits, options.rubinSchemaDir ?? bundledRubinSchemaDir)) {
      this.confluentWriters.set(id, { type: writer.type, survey: surveyOfType(writer.type) });
    }
  }

  /** Decodes a message; fetches an unknown Confluent schema id from the registry first. */
  async decodeMessage(bytes: Uint8Array, options: DecodeOptions = {}): Promise<DecodeOutcome[]> {
    const schemaId = this.missingSchemaId(bytes);
    if (schemaId !== null) {
      try {
        await this.fetchSchema(schemaId);
      } catch (err) {
        return [failure(err, 0)];
      }
    }
    return this.decodeMessageSync(bytes, options);
  }

  /**
   * Decodes a message without any I/O: a Confluent id that is neither bundled nor fetched before
   * fails with DECODE_UNKNOWN_SCHEMA (use decodeMessage to consult the registry).
   */
  decodeMessageSync(bytes: Uint8Array, options: DecodeOptions = {}): DecodeOutcome[] {
    try {
      const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.checkSize(buf);
      if (isOcf(buf)) return this.decodeOcf(buf, options);
      if (buf[0] === 0x00) return [this.decodeConfluent(buf, options)];
      throw new NightjarError('DECODE_UNKNOWN_FORMAT', `the message starts with 0x${buf.subarray(0, 4).toString('hex')}: neither an Avro container (Obj\\x01) nor Confluent framing (0x00)`);
    } catch (err) {
      return [failure(err, 0)];
    }
  }

  /** The Confluent schema ids this decoder can read without I/O. */
  knownSchemaIds(): number[] {
    return [...this.confluentWriters.keys()].sort((a, b) => a - b);
  }

  private checkSize(buf: Buffer): void {
    if (buf.length === 0) throw new NightjarError('DECODE_EMPTY', 'the message has no bytes');
    if (buf.length > this.maxMessageBytes) {
      throw new NightjarError('DECODE_TOO_LARGE', `the message has ${buf.length} bytes; at most ${this.maxMessageBytes} are accepted (ingest.maxMessageBytes)`, { details: { bytes: buf.length, limit: this.maxMessageBytes } });
    }
  }

  private decodeOcf(buf: Buffer, options: DecodeOptions): DecodeOutcome[] {
    const header = parseOcfHeader(buf);
    const writer = this.ocfWriters.get(header.schemaBytes, (schemaText) => this.compileOcfWriter(schemaText));
    const outcomes: DecodeOutcome[] = [];
    try {
      for (const block of ocfBlocks(buf, header)) {
        let pos = 0;
        for (let i = 0; i < block.count; i++) {
          const { value, offset } = decodeAt(writer.type, block.data, pos, `record ${outcomes.length}`);
          outcomes.push(this.outcome(writer.survey, value as Row, outcomes.length, options));
          pos = offset;
        }
        if (pos !== block.data.length) throw new NightjarError('DECODE_CORRUPT_BLOCK', `a block holds ${block.data.length - pos} bytes after its ${block.count} records`);
      }
    } catch (err) {
      // Records before the failure stand; the rest of the container is lost with it.
      outcomes.push(failure(err, outcomes.length));
    }
    if (outcomes.length === 0) outcomes.push(failure(new NightjarError('DECODE_TRUNCATED', 'the container holds no records'), 0));
    return outcomes;
  }

  private compileOcfWriter(schemaText: string): Writer {
    let schema: unknown;
    try {
      schema = JSON.parse(schemaText);
    } catch (err) {
      throw new NightjarError('DECODE_SCHEMA_INVALID', `the container's writer schema is not JSON: ${(err as Error).message}`, { cause: err });
    }
    const type = compileSchema(schema, this.limits, surveyOfSchema(schema) === 'ztf' ? 'ztf' : 'lsst');
    this.logger?.debug({ schema: type.name, survey: surveyOfType(type), fingerprint: schemaFingerprint(schemaText) }, 'compiled a container writer schema');
    return { type, survey: surveyOfType(type) };
  }

  private decodeConfluent(buf: Buffer, options: DecodeOptions): DecodeOutcome {
    if (buf.length < CONFLUENT_HEADER_BYTES) throw new NightjarError('DECODE_TRUNCATED', `the message ends inside the 5-byte Confluent header (${buf.length} bytes)`);
    const schemaId = buf.readUInt32BE(1);
    const writer = this.confluentWriters.get(schemaId);
    if (!writer) throw unknownSchema(schemaId, this.registry !== null);
    const payload = buf.subarray(CONFLUENT_HEADER_BYTES);
    const { value, offset } = decodeAt(writer.type, payload, 0, `schema ${schemaId} record`);
    if (offset !== payload.length) throw new NightjarError('DECODE_AVRO_INVALID', `${payload.length - offset} bytes follow the schema ${schemaId} record`, { details: { schemaId } });
    return this.outcome(writer.survey, value as Row, 0, options);
  }

  private outcome(survey: Survey | null, record: Row, index: number, options: DecodeOptions): DecodeOutcome {
    try {
      return { ok: true, alert: this.normalise(survey, record, options), index };
    } catch (err) {
      return failure(err, index, 'NORMALISE_FAILED');
    }
  }

  private normalise(survey: Survey | null, record: Row, options: DecodeOptions): Alert {
    const raw = options.raw ?? true;
    if (survey === 'ztf') {
      const alert = normaliseZtf(record, { raw });
      if (options.cutouts) alert.cutouts = ztfCutouts(record, this.maxMessageBytes);
      return alert;
    }
    if (survey === 'lsst') {
      const alert = normaliseLsst(record, { raw });
      if (options.cutouts) alert.cutouts = lsstCutouts(record);
      return alert;
    }
    throw new NightjarError('DECODE_UNRECOGNISED_RECORD', 'the record has neither a `candidate` record (ZTF) nor a `diaSource` record (Rubin)');
  }

  /** The schema id of a Confluent message this decoder cannot read yet but the registry might. */
  private missingSchemaId(bytes: Uint8Array): number | null {
    if (this.registry === null || bytes.length < CONFLUENT_HEADER_BYTES || bytes[0] !== 0x00 || bytes.length > this.maxMessageBytes) return null;
    const id = ((bytes[1]! << 24) >>> 0) + (bytes[2]! << 16) + (bytes[3]! << 8) + bytes[4]!;
    return this.confluentWriters.has(id) ? null : id;
  }

  private async fetchSchema(schemaId: number): Promise<void> {
    const schema = await this.registry!.schemaById(schemaId);
    const type = compileSchema(schema, this.limits, surveyOfSchema(schema) === 'ztf' ? 'ztf' : 'lsst');
    this.confluentWriters.set(schemaId, { type, survey: surveyOfType(type) });
    this.logger?.info({ schemaId, schema: type.name }, 'loaded a writer schema from the schema registry');
  }
}

function isOcf(buf: Buffer): boolean {
  return buf.length >= OCF_MAGIC.length && buf.subarray(0, OCF_MAGIC.length).equals(OCF_MAGIC);
}

function unknownSchema(schemaId: number, registryConsulted: boolean): NightjarError {
  const where = registryConsulted ? 'not bundled and not in the schema registry' : 'not bundled under schemas/lsst and no schema registry is configured (schemaRegistry.url)';
  return new NightjarError('DECODE_UNKNOWN_SCHEMA', `schema id ${schemaId} is ${where}`, { details: { schemaId } });
}

/** Anything thrown becomes a catalogued error; non-Nightjar errors get `fallback`. */
function failure(err: unknown, index: number, fallback: 'DECODE_AVRO_INVALID' | 'NORMALISE_FAILED' = 'DECODE_AVRO_INVALID'): DecodeOutcome {
  return { ok: false, error: asNightjarError(err, fallback), index };
}
