import { NightjarError } from '../errors/index.js';
import { checkFieldPaths } from './fields.js';

/** The subprotocol the server selects; a client offers it together with `nightjar.token.<token>`. */
export const SUBPROTOCOL = 'nightjar.v1';
export const TOKEN_SUBPROTOCOL_PREFIX = 'nightjar.token.';
/** Largest client frame (bytes); a larger one closes the connection with 1009. */
export const MAX_CLIENT_FRAME = 64 * 1024;

/** Close codes of the live feeds (docs/live.md). */
export const CloseCode = {
  normal: 1000,
  shutdown: 1001,
  tryAgainLater: 1013,
  revoked: 4003,
  slowConsumer: 4008,
  tokenConnectionLimit: 4029,
} as const;

export type Stream = 'matches' | 'filter' | 'enriched';

export interface SubscribeRequest {
  type: 'subscribe';
  id?: string;
  stream: Stream;
  /** matches: narrow to these of the caller's filters. */
  filters?: string[];
  /** filter: the (public or own) filter id. */
  filter?: string;
  fields?: string[];
  cursor?: string;
}

export interface UnsubscribeRequest {
  type: 'unsubscribe';
  id: string;
}

export type ClientRequest = SubscribeRequest | UnsubscribeRequest;

const idPattern = /^[A-Za-z0-9._:-]{1,64}$/;
const filterIdPattern = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const subscribeKeys = new Set(['type', 'id', 'stream', 'filters', 'filter', 'fields', 'cursor']);

function invalid(message: string, id?: string): NightjarError {
  return new NightjarError('LIVE_MESSAGE_INVALID', message, { details: id === undefined ? {} : { id } });
}

/** A client frame as a request, or LIVE_MESSAGE_INVALID saying what is wrong with it. */
export function parseClientMessage(text: string): ClientRequest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('a message must be a JSON object such as {"type":"subscribe","stream":"matches"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('a message must be a JSON object');
  const m = value as Record<string, unknown>;
  const id = m.id === undefined ? undefined : checkId(m.id);
  if (m.type === 'unsubscribe') {
    if (id === undefined) throw invalid('unsubscribe needs the "id" of the subscription');
    return { type: 'unsubscribe', id };
  }
  if (m.type !== 'subscribe') throw invalid(`unknown message type ${JSON.stringify(m.type)}; the types are subscribe and unsubscribe`, id);
  const unknown = Object.keys(m).filter((k) => !subscribeKeys.has(k));
  if (unknown.length > 0) throw invalid(`unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')} in subscribe`, id);
  if (m.stream !== 'matches' && m.stream !== 'filter' && m.stream !== 'enriched') throw invalid('"stream" must be "matches", "filter" or "enriched"', id);
  const request: SubscribeRequest = { type: 'subscribe', stream: m.stream, id };
  if (m.filters !== undefined) {
    if (m.stream !== 'matches') throw invalid('"filters" narrows a "matches" subscription; use "filter" for one filter', id);
    if (!Array.isArray(m.filters) || m.filters.length === 0 || m.filters.length > 100 || !m.filters.every((f) => typeof f === 'string' && filterIdPattern.test(f))) throw invalid('"filters" must be a list of 1 to 100 filter ids', id);
    request.filters = [...new Set(m.filters as string[])];
  }
  if (m.stream === 'filter') {
    if (typeof m.filter !== 'string' || !filterIdPattern.test(m.filter)) throw invalid('a "filter" subscription needs "filter": the id of a public filter or one of yours', id);
    request.filter = m.filter;
  } else if (m.filter !== undefined) throw invalid('"filter" belongs to stream "filter"', id);
  if (m.fields !== undefined) {
    try {
      request.fields = checkFieldPaths(m.fields);
    } catch (err) {
      throw invalid((err as Error).message, id);
    }
  }
  if (m.cursor !== undefined) {
    if (typeof m.cursor !== 'string' || m.cursor.length === 0) throw new NightjarError('LIVE_CURSOR_INVALID', '"cursor" must be the cursor string of a message you received', { details: id === undefined ? {} : { id } });
    request.cursor = m.cursor;
  }
  return request;
}

function checkId(value: unknown): string {
  if (typeof value !== 'string' || !idPattern.test(value)) throw invalid('"id" must be 1-64 characters of letters, digits, ".", "_", ":" and "-"');
  return value;
}

/** `{"type":"error",...}` with the catalogue's error body. */
export function errorFrame(error: NightjarError, id?: string): string {
  return JSON.stringify({ type: 'error', ...(id === undefined ? {} : { id }), error: error.toJSON() });
}

export function noticeFrame(code: string, message: string, details: Record<string, unknown> = {}, id?: string): string {
  return JSON.stringify({ type: 'notice', ...(id === undefined ? {} : { id }), code, message, details });
}
