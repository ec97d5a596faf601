import { isNightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { SinkMetrics } from './metrics.js';
import type { ArchiveRows } from './rows.js';
import type { ArchiveWriter } from './writer.js';

export interface PersistOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Aborted on shutdown: the wait ends and the batch fails, so its offsets are not committed. */
  signal: AbortSignal;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  random?: () => number;
}

/**
 * Inserts a batch and does not return until it is stored. While ClickHouse is unavailable it
 * waits, with exponential backoff and jitter, for the server to answer a ping and then retries —
 * for as long as it takes: the runner's own retry budget is meant for short hiccups, and a
 * sink that gave up would only be restarted to wait again. Meanwhile the runner stops fetching
 * once its buffer is full, so Kafka holds the backlog and memory stays bounded. Any other failure,
 * and shutdown during a wait, is thrown.
 */
export async function insertUntilStored(writer: ArchiveWriter, rows: ArchiveRows, metrics: SinkMetrics, logger: Logger, options: PersistOptions): Promise<void> {
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  for (let attempt = 0; ; attempt++) {
    try {
      await writer.insert(rows);
      if (attempt > 0) logger.info({ attempts: attempt + 1 }, 'ClickHouse is back; batch stored');
      metrics.waiting.set(0);
      return;
    } catch (err) {
      if (!isNightjarError(err, 'CLICKHOUSE_UNAVAILABLE') || options.signal.aborted) throw err;
      metrics.unavailable.inc();
      metrics.waiting.set(1);
      logger.warn({ err: err.message, attempt: attempt + 1 }, 'ClickHouse unavailable; holding the batch until it answers');
      await waitUntilHealthy(writer, attempt, options, sleep, random);
    }
  }
}

async function waitUntilHealthy(writer: ArchiveWriter, attempt: number, options: PersistOptions, sleep: NonNullable<PersistOptions['sleep']>, random: () => number): Promise<void> {
  for (let probe = attempt; ; probe++) {
    await sleep(backoffMs(probe, options, random), options.signal);
    if (await writer.healthy()) return;
  }
}

/** Exponential backoff with "equal jitter": half the delay fixed, half random, capped. */
export function backoffMs(attempt: number, options: Pick<PersistOptions, 'initialDelayMs' | 'maxDelayMs'>, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (ceiling / 2) * random();
}

export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
