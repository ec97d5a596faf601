import type { KafkaMessage } from 'kafkajs';
import { decodeMatchAvro } from '../publish/avro.js';
import { MATCH_HEADERS } from '../publish/match.js';
import { selectFields } from './fields.js';

/** What a topic holds: per-user matches (docs/outputs.md) or enriched alerts. */
export type TopicKind = 'matches' | 'enriched';

/** The part of a Kafka record a live feed sends: the alert, and for matches which filter version matched when. */
export interface Payload {
  alert: Record<string, unknown>;
  filter?: { id: string; version: number };
  matchedAt?: string;
}

/**
 * One record of a followed topic, shared by every subscription it reaches: parsed at most once,
 * and its `data` JSON built at most once per distinct field selection.
 */
export class LiveMessage {
  readonly filterId: string | null;
  /** Bytes the replay window counted for this record when it took it. */
  accounted = 0;
  private payload: Payload | null | undefined;
  private readonly json = new Map<string, string | null>();

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

  /** Forgets the parsed record once every listener has its frame: a record kept for replay then holds only its bytes and built JSON. */
  release(): void {
    if (this.payload) this.payload = undefined;
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
