/**
 * The error catalogue: every error Nightjar reports has a stable code from this table.
 * Codes appear in dead-letter records, API error bodies, CLI output and metrics labels,
 * so they never change meaning once released. `status` is the HTTP status the API maps
 * the code to; `retriable` tells the retrier whether trying again can help.
 */
export const errorCatalogue = {
  // configuration and start-up
  CONFIG_INVALID: { status: 500, retriable: false, summary: 'a configuration setting has an invalid value' },
  CONFIG_FILE_UNREADABLE: { status: 500, retriable: false, summary: 'the configuration file cannot be read or parsed' },
  SERVICE_INSTALL_FAILED: { status: 500, retriable: false, summary: 'a local service could not be installed' },
  SERVICE_START_TIMEOUT: { status: 503, retriable: false, summary: 'a local service did not become healthy in time' },
  SERVICE_START_FAILED: { status: 503, retriable: false, summary: 'a local service exited while starting' },
  SERVICE_PORT_IN_USE: { status: 503, retriable: false, summary: 'a port a local service needs is taken by a process the launcher did not start' },
  KAFKA_UNAVAILABLE: { status: 503, retriable: true, summary: 'Kafka cannot be reached' },
  CLICKHOUSE_UNAVAILABLE: { status: 503, retriable: true, summary: 'ClickHouse cannot be reached' },
  MIGRATION_FAILED: { status: 500, retriable: false, summary: 'a ClickHouse migration failed' },

  // stage runner
  STAGE_FAILED: { status: 500, retriable: false, summary: 'a stage failed on a batch for a reason retrying cannot fix (or kept failing until retries ran out); the runner stopped without committing the batch' },
  KAFKA_REQUEST_FAILED: { status: 503, retriable: true, summary: 'a Kafka produce, offset commit or transaction request failed' },

  // decoding (dead-letter reasons)
  DECODE_EMPTY: { status: 400, retriable: false, summary: 'the message has no bytes' },
  DECODE_TOO_LARGE: { status: 413, retriable: false, summary: 'the message exceeds the maximum alert size' },
  DECODE_UNKNOWN_FORMAT: { status: 400, retriable: false, summary: 'the first bytes match neither an Avro container nor Confluent framing' },
  DECODE_TRUNCATED: { status: 400, retriable: false, summary: 'the message ends before the record does' },
  DECODE_UNKNOWN_SCHEMA: { status: 400, retriable: false, summary: 'the schema id is not bundled and not in the schema registry' },
  DECODE_SCHEMA_INVALID: { status: 400, retriable: false, summary: 'the writer schema embedded in the container cannot be parsed' },
  DECODE_UNSUPPORTED_CODEC: { status: 400, retriable: false, summary: 'the container uses a compression codec Nightjar does not read' },
  DECODE_CORRUPT_BLOCK: { status: 400, retriable: false, summary: 'a container block is corrupt (bad sync marker, count or compression)' },
  DECODE_AVRO_INVALID: { status: 400, retriable: false, summary: 'the bytes are not a valid record of the writer schema' },
  DECODE_OVERSIZED_FIELD: { status: 400, retriable: false, summary: 'an array, map or byte field is larger than the decoder allows' },
  DECODE_UNRECOGNISED_RECORD: { status: 400, retriable: false, summary: 'the record is neither a ZTF candidate alert nor a Rubin diaSource alert' },
  SCHEMA_REGISTRY_UNAVAILABLE: { status: 503, retriable: true, summary: 'the schema registry cannot be reached' },

  // validation of normalised alerts (dead-letter reasons)
  VALIDATE_POSITION: { status: 400, retriable: false, summary: 'ra or dec is missing or out of range' },
  VALIDATE_MISSING_ID: { status: 400, retriable: false, summary: 'a required alert or object id is missing' },
  VALIDATE_TIME: { status: 400, retriable: false, summary: 'the observation time is missing or outside the plausible range' },
  OUTPUT_TOO_LARGE: { status: 413, retriable: false, summary: 'the enriched alert is larger than a Kafka record may be' },
  NORMALISE_FAILED: { status: 400, retriable: false, summary: 'the record could not be turned into a normalised alert' },

  // filters
  FILTER_PARSE: { status: 400, retriable: false, summary: 'the filter expression does not parse' },
  FILTER_TOO_LONG: { status: 400, retriable: false, summary: 'the filter text is longer than allowed' },
  FILTER_TOO_DEEP: { status: 400, retriable: false, summary: 'the filter expression nests deeper than allowed' },
  FILTER_TOO_LARGE: { status: 400, retriable: false, summary: 'the filter expression has more nodes than allowed' },
  FILTER_ARRAY_TOO_LONG: { status: 400, retriable: false, summary: 'an array literal in the filter has more elements than allowed' },
  FILTER_FORBIDDEN: { status: 400, retriable: false, summary: 'the filter reaches for something outside the field catalogue and functions' },
  FILTER_UNKNOWN_FIELD: { status: 400, retriable: false, summary: 'the filter names a field that is not in the field catalogue' },
  FILTER_UNKNOWN_FUNCTION: { status: 400, retriable: false, summary: 'the filter calls a function that is not in the whitelist' },
  FILTER_ARITY: { status: 400, retriable: false, summary: 'a function is called with the wrong number of arguments' },
  FILTER_TYPE: { status: 400, retriable: false, summary: 'an operator or function is applied to values of the wrong type' },
  FILTER_NOT_BOOLEAN: { status: 400, retriable: false, summary: 'the filter does not evaluate to true or false' },
  FILTER_NEVER_MATCHES: { status: 400, retriable: false, summary: 'a warning: the filter, or a conjunction in it, can never be true (it needs fields that never occur together on one survey\'s alerts)' },
  FILTER_EVALUATION: { status: 500, retriable: false, summary: 'a compiled filter failed while evaluating an alert; counted in its stats, the alert is treated as not matching' },

  // publish: Avro match messages
  MATCH_ENCODE_FAILED: { status: 500, retriable: false, summary: 'an alert does not fit the Avro match schema (e.g. a required field is null)' },
  MATCH_DECODE_INVALID: { status: 400, retriable: false, summary: 'a match message is not Confluent-framed Avro of the match schema' },

  // archive sink
  SINK_INVALID_MESSAGE: { status: 400, retriable: false, summary: 'a message on a topic the archive sink reads is not the record it expects' },
  SINK_INSERT_REJECTED: { status: 500, retriable: false, summary: 'ClickHouse refused an archive insert for a reason other than being unavailable' },

  // annotation: catalogs, crossmatch, anomaly models
  CATALOG_UNREADABLE: { status: 500, retriable: false, summary: 'a configured catalog file cannot be read or parsed' },
  CATALOG_INVALID: { status: 500, retriable: false, summary: 'a catalog configuration is invalid or names columns the file lacks' },
  XMATCH_RADIUS_INVALID: { status: 400, retriable: false, summary: 'a crossmatch radius is not a positive number of arcseconds within the allowed maximum' },
  XMATCH_INPUT_INVALID: { status: 400, retriable: false, summary: 'crossmatch positions are malformed (e.g. RA and Dec arrays of different lengths)' },
  EIF_INPUT_INVALID: { status: 400, retriable: false, summary: 'anomaly-model training data or parameters are invalid' },
  EIF_MODEL_INVALID: { status: 400, retriable: false, summary: 'a serialized anomaly model is malformed or of an unknown version' },
  WATCHLIST_INVALID: { status: 400, retriable: false, summary: 'a watchlist upload, its name or owner is invalid (bad rows are listed with their line numbers)' },
  WATCHMAP_INVALID: { status: 400, retriable: false, summary: 'a watchmap region (MOC, cone or polygon), its name or owner is invalid' },
  MOC_INVALID: { status: 400, retriable: false, summary: 'a MOC, FITS file or multi-order sky map cannot be parsed' },

  // alert files, replay and synthetic alerts (nightjar decode / replay)
  INPUT_UNREADABLE: { status: 400, retriable: false, summary: 'an alert file, directory or archive cannot be read' },
  CLI_USAGE: { status: 400, retriable: false, summary: 'command-line arguments are missing, unknown or invalid' },
  REPLAY_NOT_REPUBLISHABLE: { status: 400, retriable: false, summary: 'a message cannot be re-published in its survey\'s wire format (unknown framing or survey, or no key)' },

  // API and platform
  AUTH_TOKEN_MISSING: { status: 400, retriable: false, summary: 'the request carries no token' },
  AUTH_TOKEN_INVALID: { status: 403, retriable: false, summary: 'the token is unknown, expired or revoked' },
  AUTH_SCOPE: { status: 403, retriable: false, summary: 'the token lacks the scope this request needs' },
  NOT_FOUND: { status: 404, retriable: false, summary: 'the resource does not exist or is not yours' },
  REQUEST_INVALID: { status: 400, retriable: false, summary: 'the request does not match the route schema' },
  RATE_LIMITED: { status: 429, retriable: true, summary: 'too many requests for this token' },
  REQUEST_TOO_LARGE: { status: 413, retriable: false, summary: 'the request body is larger than the configured limit (api.bodyLimit)' },
  ALREADY_EXISTS: { status: 409, retriable: false, summary: 'a user or filter with this name or id already exists' },
  ARCHIVE_UNAVAILABLE: { status: 503, retriable: true, summary: 'the archive (ClickHouse) is not configured for this API process, or its database or tables do not exist' },
  CUTOUT_UNREADABLE: { status: 422, retriable: false, summary: 'an archived cutout is not a FITS image that can be rendered as PNG (format=fits returns it as stored)' },
  NOT_OWNER: { status: 403, retriable: false, summary: 'the resource is readable by you (a public filter) but only its owner may change it' },
  INTERNAL: { status: 500, retriable: false, summary: 'an unexpected internal error' },

  // live feeds (websocket, docs/live.md)
  UPGRADE_REQUIRED: { status: 426, retriable: false, summary: 'GET /api/v1/live is a websocket endpoint: send the Upgrade: websocket handshake' },
  LIVE_MESSAGE_INVALID: { status: 400, retriable: false, summary: 'a websocket message is not JSON, not a known request, or has an invalid field' },
  LIVE_SUBSCRIPTION_EXISTS: { status: 409, retriable: false, summary: 'the connection already has a subscription with this id' },
  LIVE_SUBSCRIPTION_LIMIT: { status: 429, retriable: false, summary: 'the connection has as many subscriptions as allowed (live.maxSubscriptions)' },
  LIVE_CURSOR_INVALID: { status: 400, retriable: false, summary: 'the cursor is malformed or belongs to another stream' },
  LIVE_CURSOR_EXPIRED: { status: 410, retriable: false, summary: 'part of what a cursor missed is past the topic\'s retention; delivery resumes from the oldest message kept' },
  LIVE_CONNECTION_LIMIT: { status: 429, retriable: true, summary: 'too many websocket connections for this token (live.maxConnectionsPerToken) or in total (live.maxConnections)' },
  LIVE_SLOW_CONSUMER: { status: 429, retriable: true, summary: 'the connection\'s send queue is filling (notice at half) or overflowed (closed with 4008)' },
  LIVE_SUBSCRIPTION_ENDED: { status: 410, retriable: false, summary: 'a subscribed filter was removed or is no longer public; the subscription ended' },

  // jobs
  WATCH_UNAVAILABLE: { status: 503, retriable: true, summary: 'this process does not follow the watchlists topic' },
  JOBS_UNAVAILABLE: { status: 503, retriable: true, summary: 'this process cannot serve jobs (no ClickHouse for their results)' },
  JOB_INVALID: { status: 400, retriable: false, summary: 'the job\'s kind or parameters are invalid' },
  JOB_QUERY_REJECTED: { status: 400, retriable: false, summary: 'the SQL of a query job is not a single read-only SELECT over the archive tables' },
  JOB_QUERY_FAILED: { status: 400, retriable: false, summary: 'ClickHouse refused or aborted the query (syntax, unknown column, time or row limit)' },
  JOB_NOT_FINISHED: { status: 409, retriable: true, summary: 'the job has no results yet (queued or running)' },
  JOB_NO_RESULTS: { status: 410, retriable: false, summary: 'the job failed, was cancelled or its results expired' },
  JOB_INTERRUPTED: { status: 500, retriable: false, summary: 'the jobs role stopped while the job ran, more often than the configured attempts allow' },
  JOB_CANCELLED: { status: 410, retriable: false, summary: 'the job was cancelled by its owner' },
  JOB_LIMIT: { status: 429, retriable: true, summary: 'the user has as many queued or running jobs as allowed (jobs.maxPerUser)' },
} as const satisfies Record<string, { status: number; retriable: boolean; summary: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.hasOwn(errorCatalogue, value);
}
