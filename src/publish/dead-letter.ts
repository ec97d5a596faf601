import { createHash } from 'node:crypto';
import type { NightjarError } from '../errors/index.js';

/**
 * A dead-letter record keeps the original bytes as its value so the message can be replayed or
 * inspected exactly; where it came from and why it failed travel in headers (documented in
 * docs/dead-letters.md). Values over `maxBytes` are cut, with the full size and SHA-256 kept.
 */
export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  /** Record index inside a multi-record container, when the failure is per record. */
  index?: number;
}

export interface DeadLetterRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export const DEAD_LETTER_HEADERS = {
  code: 'nightjar-dlq-code',
  reason: 'nightjar-dlq-reason',
  topic: 'nightjar-dlq-topic',
  partition: 'nightjar-dlq-partition',
  offset: 'nightjar-dlq-offset',
  index: 'nightjar-dlq-index',
  size: 'nightjar-dlq-size',
  sha256: 'nightjar-dlq-sha256',
  truncated: 'nightjar-dlq-truncated',
} as const;

export function deadLetterRecord(deadLetterTopic: string, source: DeadLetterSource, bytes: Uint8Array | null, error: NightjarError, maxBytes: number): DeadLetterRecord {
  const original = bytes === null ? Buffer.alloc(0) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = original.length > maxBytes;
  const headers: Record<string, string> = {
    [DEAD_LETTER_HEADERS.code]: error.code,
    [DEAD_LETTER_HEADERS.reason]: error.message.slice(0, 1_000),
    [DEAD_LETTER_HEADERS.topic]: source.topic,
    [DEAD_LETTER_HEADERS.partition]: String(source.partition),
    [DEAD_LETTER_HEADERS.offset]: source.offset,
    [DEAD_LETTER_HEADERS.size]: String(original.length),
    [DEAD_LETTER_HEADERS.sha256]: createHash('sha256').update(original).digest('hex'),
  };
  if (source.index !== undefined) headers[DEAD_LETTER_HEADERS.index] = String(source.index);
  if (truncated) headers[DEAD_LETTER_HEADERS.truncated] = 'true';
  return {
    topic: deadLetterTopic,
    key: `${source.topic}:${source.partition}:${source.offset}${source.index === undefined ? '' : `:${source.index}`}`,
    value: truncated ? original.subarray(0, maxBytes) : original,
    headers,
  };
}
