/**
 * A Kafka record's timestamp (ms since the Unix epoch, as kafkajs gives it: a string) when it is
 * usable: a finite positive number. Undefined otherwise (missing, unparsable, or the -1 of a
 * record written without one).
 */
export function recordTimestampMs(timestamp: string | number | undefined): number | undefined {
  const ms = Number(timestamp);
  return Number.isFinite(ms) && ms > 0 ? ms : undefined;
}
