import type { Registry } from 'prom-client';
import type { Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import type { ConsumedMessage, ProducedRecord, Stage } from '../runner/types.js';
import type { CatalogueColumn } from './columns.js';
import { messageRows, USER_TOPIC_PATTERN, type ConvertContext } from './convert.js';
import { sinkMetrics, type SinkMetrics } from './metrics.js';
import { abortableSleep, insertUntilStored } from './persist.js';
import { ARCHIVE_TABLES, appendRows, emptyRows, type ArchiveRows } from './rows.js';
import type { ArchiveWriter } from './writer.js';

export interface SinkStageDeps {
  config: Config;
  writer: ArchiveWriter;
  /** The catalogue columns of `alerts` (catalogueColumns(allFields())). */
  columns: readonly CatalogueColumn[];
  logger: Logger;
  registry: Registry;
  now?: () => Date;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * The archive sink: turns each batch of enriched alerts, matches and dead letters into rows and
 * inserts them, returning only once they are stored. It produces nothing, so the runner commits
 * the batch's offsets exactly when its rows are in ClickHouse: at-least-once, and idempotent
 * because every table is a ReplacingMergeTree keyed on the record's identity.
 *
 * Inserts are batched by size and time: a batch with fewer than `sink.batchRows` alerts waits
 * until `sink.flushMs` has passed since the previous insert (the runner keeps fetching meanwhile,
 * so the next batch is fuller), which keeps ClickHouse from drowning in tiny parts; tables are
 * written in chunks of at most `sink.batchRows` rows.
 */
export class SinkStage implements Stage {
  readonly name = 'sink';
  private readonly metrics: SinkMetrics;
  private readonly shutdown = new AbortController();
  private lastInsertAt = 0;

  constructor(private readonly deps: SinkStageDeps) {
    this.metrics = sinkMetrics(deps.registry);
  }

  async process(batch: ConsumedMessage[]): Promise<ProducedRecord[]> {
    const rows = this.convert(batch);
    await this.lingerIfSmall(rows.alerts.length + rows.matches.length + rows.dead_letters.length);
    for (const chunk of chunks(rows, this.deps.config.sink.batchRows)) {
      const endTimer = this.metrics.insertSeconds.startTimer();
      await insertUntilStored(this.deps.writer, chunk, this.metrics, this.deps.logger, {
        initialDelayMs: this.deps.config.runner.retryInitialMs,
        maxDelayMs: this.deps.config.runner.retryMaxMs,
        signal: this.shutdown.signal,
        sleep: this.deps.sleep,
      });
      endTimer();
      this.count(chunk);
    }
    this.lastInsertAt = this.now().getTime();
    return [];
  }

  /** Ends any wait for ClickHouse; the batch in hand fails and stays uncommitted. Safe to call twice. */
  close(): void {
    if (!this.shutdown.signal.aborted) this.shutdown.abort(new Error('sink shutting down'));
  }

  private convert(batch: ConsumedMessage[]): ArchiveRows {
    const context: ConvertContext = {
      topics: { enriched: this.deps.config.topics.enriched, deadLetter: this.deps.config.topics.deadLetter, matches: USER_TOPIC_PATTERN },
      columns: this.deps.columns,
      now: this.now(),
      maxPayloadBytes: this.deps.config.ingest.maxMessageBytes,
    };
    const rows = emptyRows();
    for (const message of batch) appendRows(rows, messageRows(message, context));
    return rows;
  }

  private async lingerIfSmall(records: number): Promise<void> {
    if (records === 0 || records >= this.deps.config.sink.batchRows) return;
    const wait = this.lastInsertAt + this.deps.config.sink.flushMs - this.now().getTime();
    if (wait > 0) await (this.deps.sleep ?? abortableSleep)(wait, this.shutdown.signal);
  }

  private count(rows: ArchiveRows): void {
    for (const table of ARCHIVE_TABLES) if (rows[table].length > 0) this.metrics.rows.inc({ table }, rows[table].length);
    for (const row of rows.dead_letters) this.metrics.deadLetters.inc({ code: String(row.code) });
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }
}

/** Splits rows so that no table gets more than `size` rows in one insert. */
export function chunks(rows: ArchiveRows, size: number): ArchiveRows[] {
  const longest = Math.max(...ARCHIVE_TABLES.map((table) => rows[table].length));
  const out: ArchiveRows[] = [];
  for (let start = 0; start < longest; start += size) {
    const chunk = emptyRows();
    for (const table of ARCHIVE_TABLES) chunk[table] = rows[table].slice(start, start + size);
    out.push(chunk);
  }
  return out;
}
