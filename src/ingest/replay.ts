/**
 * Replays alerts to Kafka in the surveys' own wire formats, so a Nightjar deployment (or any
 * other consumer) sees exactly what the survey streams deliver:
 *   ZTF   — one Avro container per message (multi-record containers are split), key = objectId;
 *   Rubin — Confluent framing with the bundled schema's id, key = diaObjectId (decimal).
 * Rubin records read from another producer's container (Fink's Spark-written OCF) are re-encoded
 * with the bundled Rubin schema they fit, or else published as single-record containers.
 */
import type { Message, Producer } from 'kafkajs';
import type { Survey } from '../alert/types.js';
import { asNightjarError, NightjarError } from '../errors/index.js';
import { isAlertFileError, type AlertFileItem } from './files.js';
import {
  compileWriterSchema,
  confluentPayload,
  confluentSchemaId,
  decodeSelected,
  decodeRubin,
  detectWireFormat,
  encodeRubin,
  fitRubinRecord,
  ocfRecordBytes,
  parseOcfHeader,
  writeOcf,
  rubinVersionOf,
  type FieldSelection,
  type OcfHeader,
  type RubinSchema,
} from './wire.js';

/** The fields replay needs for the message key and timestamp. */
const ZTF_KEY_FIELDS: FieldSelection = { objectId: true, candidate: { jd: true } };
const RUBIN_KEY_FIELDS: FieldSelection = {
  diaSourceId: true,
  diaSource: { diaSourceId: true, diaObjectId: true, ssObjectId: true, midpointMjdTai: true },
  diaObject: { diaObjectId: true },
};

/** One message ready to publish. */
export interface OutgoingAlert {
  source: string;
  survey: Survey;
  framing: 'ocf' | 'confluent';
  key: string;
  value: Buffer;
  /** Observation time (ms since the Unix epoch); the message timestamp under --speedup. */
  observedAtMs: number | null;
  headers?: Record<string, string>;
}

export interface ReplayFailure {
  source: string;
  error: NightjarError;
}

export type ReplayItem = OutgoingAlert | ReplayFailure;

export function isReplayFailure(item: ReplayItem): item is ReplayFailure {
  return 'error' in item;
}

const JD_UNIX_EPOCH = 2440587.5;
const MJD_UNIX_EPOCH = 40587;
const DAY_MS = 86_400_000;

// ---- turning file messages into survey wire messages ------------------------------------------

/**
 * The messages to publish for one file message: ZTF containers split per record (a single-record
 * container with codec null is passed through byte for byte), Confluent Rubin alerts passed
 * through, Rubin records in containers re-encoded with a bundled schema where they fit.
 */
export function toOutgoing(item: AlertFileItem, rubinSchemas: Map<string, RubinSchema>): ReplayItem[] {
  if (isAlertFileError(item)) return [item];
  try {
    const format = detectWireFormat(item.bytes);
    if (format === null) throw new NightjarError('DECODE_UNKNOWN_FORMAT', 'neither an Avro container nor Confluent framing');
    if (format.framing === 'confluent') return [fromConfluent(item.source, Buffer.from(item.bytes), rubinSchemas)];
    if (format.survey === null) throw new NightjarError('DECODE_UNRECOGNISED_RECORD', 'the container holds neither ZTF candidate alerts nor Rubin diaSource alerts');
    return fromContainer(item.source, Buffer.from(item.bytes), format.survey, rubinSchemas);
  } catch (err) {
    return [{ source: item.source, error: asNightjarError(err, 'DECODE_AVRO_INVALID') }];
  }
}

function fromConfluent(source: string, value: Buffer, rubinSchemas: Map<string, RubinSchema>): ReplayItem {
  const schema = rubinSchemas.get(rubinVersionOf(confluentSchemaId(value)!));
  // Unknown ids raise the decoder's DECODE_UNKNOWN_SCHEMA.
  const record = schema ? decodeSelected(schema.type, RUBIN_KEY_FIELDS, confluentPayload(value)) : decodeRubin(rubinSchemas, value);
  const key = rubinKey(record);
  if (key === '') return notRepublishable(source, 'the Rubin record has no diaObjectId, ssObjectId or diaSourceId for the message key');
  return { source, survey: 'lsst', framing: 'confluent', key, value, observedAtMs: rubinObservedAtMs(record) };
}

function fromContainer(source: string, bytes: Buffer, survey: Survey, rubinSchemas: Map<string, RubinSchema>): ReplayItem[] {
  const header = parseOcfHeader(bytes);
  const type = compileWriterSchema(header.schemaText, header.schema);
  const records = ocfRecordBytes(bytes, header);
  const passThrough = records.length === 1 && header.codec === 'null';
  return records.map((recordBytes, index) => {
    const member = records.length === 1 ? source : `${source}#${index}`;
    if (survey === 'lsst') return rubinFromContainer(member, type.fromBuffer(recordBytes) as Record<string, unknown>, header, recordBytes, rubinSchemas);
    const value = passThrough ? bytes : writeOcf(header, [recordBytes]);
    return ztfOutgoing(member, decodeSelected(type, ZTF_KEY_FIELDS, recordBytes), value);
  });
}

function ztfOutgoing(source: string, record: Record<string, unknown>, value: Buffer): ReplayItem {
  const objectId = record.objectId;
  if (typeof objectId !== 'string' || objectId === '') return notRepublishable(source, 'the ZTF record has no objectId for the message key');
  return { source, survey: 'ztf', framing: 'ocf', key: objectId, value, observedAtMs: ztfObservedAtMs(record) };
}

function rubinFromContainer(
  source: string,
  record: Record<string, unknown>,
  header: OcfHeader,
  recordBytes: Buffer,
  rubinSchemas: Map<string, RubinSchema>,
): ReplayItem {
  const key = rubinKey(record);
  if (key === '') return notRepublishable(source, 'the Rubin record has no diaObjectId, ssObjectId or diaSourceId for the message key');
  const fit = fitRubinRecord(rubinSchemas, record);
  const base = { source, survey: 'lsst' as const, key, observedAtMs: rubinObservedAtMs(record) };
  if (fit.ok) return { ...base, framing: 'confluent', value: encodeRubin(fit.schema, fit.record) };
  return { ...base, framing: 'ocf', value: writeOcf(header, [recordBytes]) };
}

function notRepublishable(source: string, reason: string): ReplayFailure {
  return { source, error: new NightjarError('REPLAY_NOT_REPUBLISHABLE', reason, { details: { source } }) };
}

export function ztfObservedAtMs(record: Record<string, unknown>): number | null {
  const jd = (record.candidate as { jd?: unknown } | null)?.jd;
  return typeof jd === 'number' && Number.isFinite(jd) ? Math.round((jd - JD_UNIX_EPOCH) * DAY_MS) : null;
}

/** MJD (TAI) to Unix ms; TAI runs 37 s ahead of UTC, which is immaterial for replay pacing. */
export function rubinObservedAtMs(record: Record<string, unknown>): number | null {
  const mjd = (record.diaSource as { midpointMjdTai?: unknown } | null)?.midpointMjdTai;
  return typeof mjd === 'number' && Number.isFinite(mjd) ? Math.round((mjd - MJD_UNIX_EPOCH) * DAY_MS) : null;
}

/**
 * Rubin's message key: the diaObjectId as a decimal string. Solar-system alerts carry
 * diaObjectId 0 or null; they are keyed by ssObjectId, else by diaSourceId.
 */
export function rubinKey(record: Record<string, unknown>): string {
  const source = (record.diaSource ?? {}) as Record<string, unknown>;
  const object = (record.diaObject ?? {}) as Record<string, unknown>;
  for (const id of [object.diaObjectId, source.diaObjectId, source.ssObjectId, record.diaSourceId, source.diaSourceId]) {
    if ((typeof id === 'bigint' || typeof id === 'number') && BigInt(id) !== 0n) return id.toString();
  }
  return '';
}

// ---- publishing --------------------------------------------------------------------------------

export interface ReplayProgress {
  sent: number;
  failed: number;
  bytes: number;
  pass: number;
}

export interface ReplayCounts extends ReplayProgress {
  /** How many were Confluent-framed and how many containers. */
  confluent: number;
  ocf: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export interface ReplayOptions {
  producer: Pick<Producer, 'sendBatch'>;
  /** Called once per pass (again for every --loop pass). */
  messages: () => AsyncIterable<ReplayItem>;
  /** The topic, or a choice per message (e.g. by survey). */
  topic: string | ((alert: OutgoingAlert) => string);
  /** Messages per second at most (token bucket); unlimited when absent. */
  ratePerSec?: number;
  /** Start again from the first message after the last, until `signal` aborts. */
  loop?: boolean;
  /** Replay at the observed pace, with time gaps between alerts divided by this factor. */
  speedup?: number;
  /** Longest single wait under --speedup (ms), so years between sample files do not stall a replay. */
  maxGapMs?: number;
  signal?: AbortSignal;
  onProgress?: (progress: ReplayProgress) => void;
  onFailure?: (failure: ReplayFailure) => void;
  clock?: Clock;
  /** Flush a produce request at this many bytes (stays under the broker's 1 MB message.max.bytes). */
  maxBatchBytes?: number;
  maxBatchMessages?: number;
}

/** Publishes every message, pacing by rate and/or observed time; returns the counts. */
export async function replay(options: ReplayOptions): Promise<ReplayCounts> {
  const run = new ReplayRun(options);
  return run.execute();
}

class ReplayRun {
  private readonly counts: ReplayCounts = { sent: 0, failed: 0, bytes: 0, pass: 0, confluent: 0, ocf: 0 };
  private readonly clock: Clock;
  private readonly bucket: TokenBucket | null;
  private batch = new Map<string, Message[]>();
  private batchCount = 0;
  private batchBytes = 0;
  private previousObservedAt: number | null = null;

  constructor(private readonly options: ReplayOptions) {
    this.clock = options.clock ?? systemClock;
    const rate = options.ratePerSec;
    this.bucket = rate !== undefined && rate > 0 ? new TokenBucket(rate, this.clock.now()) : null;
  }

  async execute(): Promise<ReplayCounts> {
    do {
      this.counts.pass += 1;
      this.previousObservedAt = null;
      const sentBefore = this.counts.sent;
      await this.runPass();
      await this.flush();
      // A pass that published nothing would spin forever under --loop.
      if (this.counts.sent === sentBefore) break;
    } while (this.options.loop && !this.aborted());
    return { ...this.counts };
  }

  private aborted(): boolean {
    return this.options.signal?.aborted ?? false;
  }

  private async runPass(): Promise<void> {
    for await (const item of this.options.messages()) {
      if (this.aborted()) return;
      if (isReplayFailure(item)) {
        this.counts.failed += 1;
        this.options.onFailure?.(item);
        continue;
      }
      await this.pace(item);
      await this.add(item);
    }
  }

  private async pace(item: OutgoingAlert): Promise<void> {
    let wait = this.bucket?.take(this.clock.now()) ?? 0;
    const speedup = this.options.speedup;
    if (speedup !== undefined && item.observedAtMs !== null) {
      if (this.previousObservedAt !== null) {
        const gap = (item.observedAtMs - this.previousObservedAt) / speedup;
        wait = Math.max(wait, Math.min(gap, this.options.maxGapMs ?? Number.POSITIVE_INFINITY));
      }
      this.previousObservedAt = item.observedAtMs;
    }
    if (wait > 0) {
      await this.flush();
      await this.clock.sleep(wait, this.options.signal);
    }
  }

  private async add(item: OutgoingAlert): Promise<void> {
    const maxBytes = this.options.maxBatchBytes ?? 900_000;
    const maxMessages = this.options.maxBatchMessages ?? 500;
    if (this.batchCount > 0 && (this.batchBytes + item.value.length > maxBytes || this.batchCount >= maxMessages)) await this.flush();
    const topic = typeof this.options.topic === 'string' ? this.options.topic : this.options.topic(item);
    const messages = this.batch.get(topic) ?? [];
    messages.push(this.toMessage(item));
    this.batch.set(topic, messages);
    this.batchCount += 1;
    this.batchBytes += item.value.length;
    this.counts[item.framing] += 1;
  }

  private toMessage(item: OutgoingAlert): Message {
    const observed = this.options.speedup !== undefined && item.observedAtMs !== null;
    const timestamp = observed ? item.observedAtMs! : this.clock.now();
    return { key: item.key, value: item.value, timestamp: String(timestamp), ...(item.headers ? { headers: item.headers } : {}) };
  }

  private async flush(): Promise<void> {
    if (this.batchCount === 0) return;
    const topicMessages = [...this.batch].map(([topic, messages]) => ({ topic, messages }));
    const { batchCount: count, batchBytes: bytes } = this;
    this.batch = new Map();
    this.batchCount = 0;
    this.batchBytes = 0;
    await this.options.producer.sendBatch({ topicMessages, acks: -1 });
    this.counts.sent += count;
    this.counts.bytes += bytes;
    this.options.onProgress?.({ sent: this.counts.sent, failed: this.counts.failed, bytes: this.counts.bytes, pass: this.counts.pass });
  }
}

/**
 * A token bucket: `ratePerSec` tokens a second, holding at most a twentieth of a second's worth
 * (at least one), so a replay never bursts far above its rate. `take` spends one token and
 * says how long to wait (ms) before the message may go.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly capacity: number;

  constructor(
    private readonly ratePerSec: number,
    now: number,
  ) {
    if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new RangeError(`rate ${ratePerSec} must be a positive number`);
    this.capacity = Math.max(1, ratePerSec / 20);
    this.tokens = this.capacity;
    this.last = now;
  }

  take(now: number): number {
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.ratePerSec) / 1000);
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : (-this.tokens * 1000) / this.ratePerSec;
  }
}

/** File items → outgoing messages, lazily, for `replay({ messages })`. */
export async function* outgoingFromFiles(items: AsyncIterable<AlertFileItem>, rubinSchemas: Map<string, RubinSchema>): AsyncGenerator<ReplayItem> {
  for await (const item of items) yield* toOutgoing(item, rubinSchemas);
}
