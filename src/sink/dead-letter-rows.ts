import type { NightjarError } from '../errors/index.js';
import { DEAD_LETTER_HEADERS } from '../publish/dead-letter.js';
import { emptyRows, headerText, messageSeconds, type ArchiveRows, type SinkMessage } from './rows.js';

/**
 * `dead_letters` rows. A record from the dead-letter topic carries the original bytes as its value
 * and where they came from in headers; a message the sink itself cannot archive (bad JSON on the
 * enriched or a match topic) is filed the same way, under its own topic and offset. The payload
 * is stored base64-encoded, cut at `maxPayloadBytes`.
 */
export function deadLetterTopicRows(message: SinkMessage, receivedAt: Date, maxPayloadBytes: number): ArchiveRows {
  const value = message.value ?? Buffer.alloc(0);
  const header = (name: string) => headerText(message, name);
  const size = Number(header(DEAD_LETTER_HEADERS.size));
  return single({
    received_at: messageSeconds(message, receivedAt),
    topic: header(DEAD_LETTER_HEADERS.topic) ?? message.topic,
    partition: integerOr(header(DEAD_LETTER_HEADERS.partition), message.partition),
    offset: header(DEAD_LETTER_HEADERS.offset) ?? message.offset,
    code: header(DEAD_LETTER_HEADERS.code) ?? 'INTERNAL',
    reason: header(DEAD_LETTER_HEADERS.reason) ?? 'dead-letter record without a reason header',
    size: Number.isSafeInteger(size) && size >= 0 ? size : value.length,
    payload: value.subarray(0, maxPayloadBytes).toString('base64'),
  });
}

export function unarchivableRows(message: SinkMessage, error: NightjarError, receivedAt: Date, maxPayloadBytes: number): ArchiveRows {
  const value = message.value ?? Buffer.alloc(0);
  return single({
    received_at: messageSeconds(message, receivedAt),
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    code: error.code,
    reason: error.message.slice(0, 1_000),
    size: value.length,
    payload: value.subarray(0, maxPayloadBytes).toString('base64'),
  });
}

function single(row: ArchiveRows['dead_letters'][number]): ArchiveRows {
  const rows = emptyRows();
  rows.dead_letters.push(row);
  return rows;
}

function integerOr(text: string | undefined, fallback: number): number {
  const n = Number(text);
  return text !== undefined && Number.isSafeInteger(n) ? n : fallback;
}
