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

/**
 * One message on a per-user topic: key = objectId; value = the normalised alert with its
 * annotations plus which filter version matched and when (docs/outputs.md). The light curve and
 * cutouts are included only when the filter version asks for them. Avro output is framed with
 * `schemaId` (resolveMatchSchemaId in ./avro.ts gives the registry's id when one is configured).
 */
export function matchRecord(
  alert: Alert,
  target: MatchTarget,
  matchedAt: Date,
  toJSON: (alert: Alert, opts: { lightcurve: boolean; cutouts: boolean }) => Record<string, unknown>,
  schemaId: number = MATCH_SCHEMA_ID,
): MatchRecord {
  const headers = { [MATCH_HEADERS.filterId]: target.filterId, [MATCH_HEADERS.filterVersion]: String(target.version) };
  if (target.output.format === 'avro') {
    const value = encodeMatchAvro(alert, target, matchedAt, schemaId);
    return { topic: target.topic, key: alert.objectId, value, headers: { ...headers, [MATCH_HEADERS.contentType]: MATCH_CONTENT_TYPE } };
  }
  const body = {
    filter: { id: target.filterId, version: target.version, owner: target.owner },
    matchedAt: matchedAt.toISOString(),
    alert: toJSON(alert, { lightcurve: target.output.lightcurve, cutouts: target.output.cutouts }),
  };
  return {
    topic: target.topic,
    key: alert.objectId,
    value: JSON.stringify(body),
    headers: { ...headers, [MATCH_HEADERS.contentType]: 'application/json' },
  };
}
