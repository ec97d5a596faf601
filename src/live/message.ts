import type { KafkaMessage } from 'kafkajs';
import { decodeMatchAvro } from '../publish/avro.js';
import { MATCH_HEADERS } from '../publish/match.js';
import { encodeCursor, type Positions } from './cursor.js';
import { selectFields } from './fields.js';
import { textFrame } from './frame.js';

/** What a topic holds: per-user matches (docs/outputs.md) or enriched alerts. */
export type TopicKind = 'matches' | 'enriched';

/** The part of a Kafka record a live feed sends: the alert, and for matches which filter version matched when. */
export interface Payload {
  alert: Record<string, unknown>;
  filter?: { id: string; version: number };
  matchedAt?: string;
}

/** Distinct cursors one record remembers while it is dispatched (subscriptions that follow live share one). */
const CURSOR_CACHE = 4;
/**
 * Distinct frames one record shares while it is dispatched. Subscriptions that differ in id or
 * field selection need frames of their own; past this many, the rest are built per subscription
 * (the `data` JSON is still built once per field selection), which keeps the look-up short.
 */
const SHARED_FRAMES = 8;

interface SharedFrame {
  idJson: string;
  cursor: string;
  fieldsKey: string;
  frame: Buffer | null;
}

interface CachedCursor {
  /** The positions, flattened as partition, offset, partition, offset, … */
  positions: number[];
  text: string;
}

/**
 * One record of a followed topic, shared by every subscription it reaches: parsed at most once,
 * its `data` JSON built at most once per distinct field selection, and while the shared reader
 * dispatches it, its complete websocket frame built once per distinct (subscription id, cursor,
 * field selection) — subscriptions that follow a topic live have the same cursor after a record,
 * so the usual case is one frame, one buffer, written to every client.
 */
export class LiveMessage {
  readonly filterId: string | null;
  /** Bytes the replay window counted for this record when it took it. */
  accounted = 0;
  private payload: Payload | null | undefined;
  private readonly json = new Map<string, string | null>();
  private readonly frames: SharedFrame[] = [];
  private readonly cursors: CachedCursor[] = [];

  constructor(
    readonly kind: TopicKind,
    readonly partition: number,
    readonly offset: number,
    private readonly value: Buffer | null,
    headers: KafkaMessage['headers'],
  ) {
    this.filterId = kind === 'matches' ? headerText(headers?.[MATCH_HEADERS.filterId]) : null;
  }

  static from(kind: TopicKind, partition: number, message: KafkaMessage): LiveMessage {
    return new LiveMessage(kind, partition, Number(message.offset), message.value, message.headers);
  }

  /** Bytes the record takes in memory (for the replay window's bound). */
  get size(): number {
    let bytes = (this.value?.length ?? 0) + 200;
    for (const text of this.json.values()) bytes += text?.length ?? 0;
    return bytes;
  }

  /**
   * Forgets the parsed record, the shared frames and cursors once every listener has its frame:
   * a record kept for replay then holds only its bytes and built JSON.
   */
  release(): void {
    if (this.payload) this.payload = undefined;
    this.frames.length = 0;
    this.cursors.length = 0;
  }

  /**
   * The cursor of `topic` at `next` (see cursor.ts), encoded once per distinct position set while
   * the record is dispatched: every live subscription of a topic is at the same positions.
   */
  cursor(topic: string, next: Positions): string {
    for (const cached of this.cursors) if (samePositions(cached.positions, next)) return cached.text;
    const text = encodeCursor(topic, next);
    if (this.cursors.length >= CURSOR_CACHE) this.cursors.shift();
    const positions: number[] = [];
    for (const [partition, offset] of next) positions.push(partition, offset);
    this.cursors.push({ positions, text });
    return text;
  }

  /**
   * The complete websocket frame (frame.ts) of this record for a subscription: its id (as JSON),
   * its cursor after the record and its field selection. Shared frames (`share`, while the reader
   * dispatches) are built once per distinct triple (up to SHARED_FRAMES of them) and forgotten at
   * release(); others (catch-up, replay from the window) are built for the one caller. Null when
   * the record is unreadable.
   */
  frame(idJson: string, cursor: string, fieldsKey: string, fields: readonly string[] | undefined, share: boolean): Buffer | null {
    if (!share) return this.buildFrame(idJson, cursor, fieldsKey, fields);
    // A short list compared field by field: cheaper than hashing a key string per subscription.
    for (const shared of this.frames) {
      if (shared.cursor === cursor && shared.idJson === idJson && shared.fieldsKey === fieldsKey) return shared.frame;
    }
    const frame = this.buildFrame(idJson, cursor, fieldsKey, fields);
    if (this.frames.length < SHARED_FRAMES) this.frames.push({ idJson, cursor, fieldsKey, frame });
    return frame;
  }

  private buildFrame(idJson: string, cursor: string, fieldsKey: string, fields: readonly string[] | undefined): Buffer | null {
    const rest = this.tail(fieldsKey, fields);
    return rest === null ? null : textFrame(`{"type":"alert","sub":${idJson},"cursor":"${cursor}"${rest}}`);
  }

  /** The parsed record; null when it is not a readable match or alert (logged once by the reader, skipped by every feed). */
  parsed(): Payload | null {
    if (this.payload === undefined) this.payload = this.value ? parsePayload(this.kind, this.value) : null;
    return this.payload;
  }

  /**
   * The frame text after `"data":` plus the match's filter and time, for a field selection (key
   * `''` = everything): `,"filter":{…},"matchedAt":"…","data":{…}`.
   */
  tail(fieldsKey: string, fields: readonly string[] | undefined): string | null {
    let text = this.json.get(fieldsKey);
    if (text === undefined) {
      const payload = this.parsed();
      if (!payload) text = null;
      else {
        const data = fields ? selectFields(payload.alert, fields) : payload.alert;
        const match = payload.filter ? `,"filter":${JSON.stringify(payload.filter)},"matchedAt":${JSON.stringify(payload.matchedAt ?? null)}` : '';
        text = `${match},"data":${JSON.stringify(data)}`;
      }
      this.json.set(fieldsKey, text);
    }
    return text;
  }
}

function samePositions(flat: number[], next: Positions): boolean {
  if (flat.length !== next.size * 2) return false;
  let i = 0;
  for (const [partition, offset] of next) {
    if (flat[i] !== partition || flat[i + 1] !== offset) return false;
    i += 2;
  }
  return true;
}

function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? null : first.toString();
}

function parsePayload(kind: TopicKind, value: Buffer): Payload | null {
  try {
    if (kind === 'enriched') {
      const alert = JSON.parse(value.toString('utf8')) as unknown;
      return isObject(alert) ? { alert } : null;
    }
    if (value[0] === 0) return fromAvro(value);
    const body = JSON.parse(value.toString('utf8')) as { filter?: { id?: unknown; version?: unknown }; matchedAt?: unknown; alert?: unknown };
    if (!isObject(body) || !isObject(body.alert)) return null;
    const filter = body.filter && typeof body.filter.id === 'string' ? { id: body.filter.id, version: Number(body.filter.version) } : undefined;
    return { alert: body.alert, filter, matchedAt: typeof body.matchedAt === 'string' ? body.matchedAt : undefined };
  } catch {
    return null;
  }
}

/** An Avro match as the JSON a JSON-format match carries: annotations and the survey record unfolded, cutouts as base64. */
function fromAvro(value: Buffer): Payload {
  const { match } = decodeMatchAvro(value);
  const { annotations, survey_record: surveyRecord, cutoutScience, cutoutTemplate, cutoutDifference, lightcurve, ...core } = match.alert;
  const alert: Record<string, unknown> = { ...core, ...(annotations ? (JSON.parse(annotations) as Record<string, unknown>) : {}) };
  if (surveyRecord) alert[core.survey] = JSON.parse(surveyRecord) as unknown;
  if (lightcurve) alert.lightcurve = lightcurve;
  if (cutoutScience || cutoutTemplate || cutoutDifference) {
    alert.cutouts = { science: cutoutScience?.toString('base64') ?? null, template: cutoutTemplate?.toString('base64') ?? null, difference: cutoutDifference?.toString('base64') ?? null };
  }
  return { alert, filter: { id: match.filterId, version: match.filterVersion }, matchedAt: match.matchedAt };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
