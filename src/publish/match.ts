import type { Alert } from '../alert/types.js';
import type { FilterOutput } from '../filter/model.js';
import { encodeMatchAvro, MATCH_CONTENT_TYPE, MATCH_SCHEMA_ID } from './avro.js';

/** What the filter stage hands to publish for each match. */
export interface MatchTarget {
  filterId: string;
  version: number;
  owner: string;
  topic: string;
  output: FilterOutput;
}

export const MATCH_HEADERS = {
  filterId: 'nightjar-filter-id',
  filterVersion: 'nightjar-filter-version',
  contentType: 'content-type',
} as const;

export interface MatchRecord {
  topic: string;
  key: string;
  /** JSON text, or Confluent-framed Avro when the filter version's output format is avro. */
  value: string | Buffer;
  headers: Record<string, string>;
}

export type AlertToJSON = (alert: Alert, opts: { lightcurve: boolean; cutouts: boolean }) => Record<string, unknown>;

/**
 * An alert's JSON text for each output choice (with or without light curve and cutouts),
 * serialised on first use and then shared: an alert matched by many filters, and its enriched
 * record, cost one serialisation per choice instead of one per match.
 */
export class AlertText {
  private readonly texts: (string | undefined)[] = [];

  constructor(
    readonly alert: Alert,
    private readonly toJSON: AlertToJSON,
  ) {}

  get(opts: { lightcurve: boolean; cutouts: boolean }): string {
    const slot = (opts.lightcurve ? 1 : 0) + (opts.cutouts ? 2 : 0);
    return (this.texts[slot] ??= JSON.stringify(this.toJSON(this.alert, opts)));
  }
}

/**
 * One message on a per-user topic: key = objectId; value = the normalised alert with its
 * annotations plus which filter version matched and when (docs/outputs.md). The light curve and
 * cutouts are included only when the filter version asks for them. Pass an AlertText to share
 * the alert's serialisation between the matches of one alert. Avro output is framed with
 * `schemaId` (resolveMatchSchemaId in ./avro.ts gives the registry's id when one is configured).
 */
export function matchRecord(
  alert: Alert,
  target: MatchTarget,
  matchedAt: Date,
  toJSON: AlertToJSON | AlertText,
  schemaId: number = MATCH_SCHEMA_ID,
): MatchRecord {
  const headers = { [MATCH_HEADERS.filterId]: target.filterId, [MATCH_HEADERS.filterVersion]: String(target.version) };
  if (target.output.format === 'avro') {
    const value = encodeMatchAvro(alert, target, matchedAt, schemaId);
    return { topic: target.topic, key: alert.objectId, value, headers: { ...headers, [MATCH_HEADERS.contentType]: MATCH_CONTENT_TYPE } };
  }
  // The text JSON.stringify({ filter, matchedAt, alert }) gives, with the alert's part shared.
  const text = toJSON instanceof AlertText ? toJSON : new AlertText(alert, toJSON);
  const filter = JSON.stringify({ id: target.filterId, version: target.version, owner: target.owner });
  const value = `{"filter":${filter},"matchedAt":${JSON.stringify(matchedAt.toISOString())},"alert":${text.get(target.output)}}`;
  return {
    topic: target.topic,
    key: alert.objectId,
    value,
    headers: { ...headers, [MATCH_HEADERS.contentType]: 'application/json' },
  };
}
