import { asNightjarError, NightjarError } from '../errors/index.js';
import { enrichedAlertRows } from './alert-rows.js';
import type { CatalogueColumn } from './columns.js';
import { deadLetterTopicRows, unarchivableRows } from './dead-letter-rows.js';
import { matchRows } from './match-rows.js';
import { parseJsonObject, type ArchiveRows, type SinkMessage } from './rows.js';

export interface SinkTopics {
  enriched: string;
  deadLetter: string;
  /** Per-user match topics. */
  matches: RegExp;
}

export interface ConvertContext {
  topics: SinkTopics;
  columns: readonly CatalogueColumn[];
  now: Date;
  maxPayloadBytes: number;
}

export const USER_TOPIC_PATTERN = /^nightjar\.user\./;

/**
 * The archive rows of one consumed message, chosen by its topic. Never throws on bad input: a
 * message that cannot be archived becomes a `dead_letters` row naming its topic, offset and why.
 */
export function messageRows(message: SinkMessage, context: ConvertContext): ArchiveRows {
  const ingestedAt = Math.floor(context.now.getTime() / 1000);
  try {
    if (message.topic === context.topics.deadLetter) return deadLetterTopicRows(message, context.now, context.maxPayloadBytes);
    const json = parseJsonObject(message.value);
    if (message.topic === context.topics.enriched) return enrichedAlertRows(json, context.columns, ingestedAt);
    if (context.topics.matches.test(message.topic)) return matchRows(json, ingestedAt);
    throw new NightjarError('SINK_INVALID_MESSAGE', `the sink does not archive topic ${message.topic}`);
  } catch (err) {
    // Whatever the input did to the conversion, it is filed as a dead letter rather than stopping the sink.
    return unarchivableRows(message, asNightjarError(err), context.now, context.maxPayloadBytes);
  }
}
