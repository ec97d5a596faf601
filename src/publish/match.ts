import type { Alert } from '../alert/types.js';
import type { FilterOutput } from '../filter/model.js';

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
  value: string;
  headers: Record<string, string>;
}

/**
 * One message on a per-user topic: key = objectId; value = the normalised alert with its
 * annotations plus which filter version matched and when (docs/outputs.md). The light curve and
 * cutouts are included only when the filter version asks for them.
 */
export function matchRecord(alert: Alert, target: MatchTarget, matchedAt: Date, toJSON: (alert: Alert, opts: { lightcurve: boolean; cutouts: boolean }) => Record<string, unknown>): MatchRecord {
  const body = {
    filter: { id: target.filterId, version: target.version, owner: target.owner },
    matchedAt: matchedAt.toISOString(),
    alert: toJSON(alert, { lightcurve: target.output.lightcurve, cutouts: target.output.cutouts }),
  };
  return {
    topic: target.topic,
    key: alert.objectId,
    value: JSON.stringify(body),
    headers: {
      [MATCH_HEADERS.filterId]: target.filterId,
      [MATCH_HEADERS.filterVersion]: String(target.version),
      [MATCH_HEADERS.contentType]: 'application/json',
    },
  };
}
