import { emptyRows, idString, invalid, isObject, stringOrNull, type ArchiveRows } from './rows.js';

/**
 * The `matches` row of one message on a per-user topic ({filter: {id, version, owner},
 * matchedAt, alert}). Only the identifiers are archived: the alert itself is in `alerts`.
 */
export function matchRows(json: Record<string, unknown>, ingestedAt: number): ArchiveRows {
  const filter = json.filter;
  const alert = json.alert;
  if (!isObject(filter) || !isObject(alert)) throw invalid('a match needs a filter object and an alert object');
  const filterId = stringOrNull(filter.id);
  const owner = stringOrNull(filter.owner);
  const version = filter.version;
  if (!filterId || !owner || !Number.isInteger(version) || (version as number) < 0) throw invalid('filter.id and filter.owner must be strings and filter.version a non-negative integer', { filter });
  const alertId = idString(alert.alertId);
  const objectId = idString(alert.objectId);
  if (alertId === null || objectId === null) throw invalid('the matched alert needs alertId and objectId', { filterId });
  const matchedAt = Date.parse(stringOrNull(json.matchedAt) ?? '');
  if (!Number.isFinite(matchedAt)) throw invalid('matchedAt must be an ISO 8601 time', { filterId, matchedAt: json.matchedAt });
  const rows = emptyRows();
  rows.matches.push({
    owner,
    filterId,
    version: version as number,
    alertId,
    objectId,
    survey: stringOrNull(alert.survey) ?? '',
    matchedAt: Math.floor(matchedAt / 1000),
    ingested_at: ingestedAt,
  });
  return rows;
}
