import type { ClickHouseClient } from '@clickhouse/client';
import { select } from '../clickhouse/archive-queries.js';
import { classifyClickHouseError } from '../sink/writer.js';
import { integerLiteral, quoteIdentifier, stringLiteral } from '../sink/sql.js';

/** Text gathered before it is written as one part (bytes). */
const PART_BYTES = 1024 * 1024;

/**
 * Where jobs keep their output: the `job_results` table (migration 020), in parts of about a
 * megabyte, so any process (the api role serving a download, the jobs role writing) reads and
 * writes the same results whatever host it runs on.
 */
export class JobResults {
  constructor(
    private readonly client: ClickHouseClient,
    /** The archive database (results live in its job_results table). */
    readonly database: string,
  ) {}

  private get table(): string {
    return `${quoteIdentifier(this.database)}.${quoteIdentifier('job_results')}`;
  }

  writer(jobId: string, attempt: number): ResultWriter {
    return new ResultWriter(this.client, this.table, jobId, attempt);
  }

  /** The parts of one attempt, in order, read one at a time (bounded memory for any size). */
  async *read(jobId: string, attempt: number): AsyncGenerator<string> {
    const where = `jobId = ${stringLiteral(jobId)} AND attempt = ${integerLiteral(attempt)}`;
    const parts = await select<{ part: number }>(this.client, `SELECT part FROM ${this.table} WHERE ${where} ORDER BY part`, 'job_results');
    for (const { part } of parts) {
      const [row] = await select<{ data: string }>(this.client, `SELECT data FROM ${this.table} WHERE ${where} AND part = ${integerLiteral(Number(part))} LIMIT 1`, 'job_results');
      if (row) yield row.data;
    }
  }

  /** Removes every attempt's results of the job (a mutation: the rows go in the background). */
  async delete(jobId: string): Promise<void> {
    try {
      await this.client.command({ query: `ALTER TABLE ${this.table} DELETE WHERE jobId = ${stringLiteral(jobId)}` });
    } catch (err) {
      throw classifyClickHouseError(err, 'job_results', 'INTERNAL');
    }
  }
}

/** Collects a job's output lines and writes them as parts; `close` writes the rest. */
export class ResultWriter {
  rows = 0;
  bytes = 0;
  private part = 0;
  private pending: string[] = [];
  private pendingBytes = 0;
  private pendingRows = 0;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly table: string,
    private readonly jobId: string,
    private readonly attempt: number,
  ) {}

  /** Adds one line (without its newline) that counts as `rows` result rows (0 for a header). */
  async line(text: string, rows = 1): Promise<void> {
    this.pending.push(text);
    const size = Buffer.byteLength(text) + 1;
    this.pendingBytes += size;
    this.pendingRows += rows;
    this.rows += rows;
    this.bytes += size;
    if (this.pendingBytes >= PART_BYTES) await this.flush();
  }

  async close(): Promise<void> {
    if (this.pending.length > 0) await this.flush();
  }

  private async flush(): Promise<void> {
    const row = { jobId: this.jobId, attempt: this.attempt, part: this.part, rows: this.pendingRows, data: this.pending.join('\n') + '\n', created_at: Math.floor(Date.now() / 1000) };
    try {
      await this.client.insert({ table: this.table, values: [row], format: 'JSONEachRow' });
    } catch (err) {
      throw classifyClickHouseError(err, 'job_results', 'INTERNAL');
    }
    this.part += 1;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingRows = 0;
  }
}
