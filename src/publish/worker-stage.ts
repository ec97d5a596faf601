import type { Counter, Histogram, Registry } from 'prom-client';
import { Counter as PromCounter, Histogram as PromHistogram } from 'prom-client';
import type { Alert } from '../alert/types.js';
import type { Config } from '../config/index.js';
import { NightjarError, asNightjarError } from '../errors/index.js';
import { MAX_RECORD_BYTES } from '../kafka/admin.js';
import { recordTimestampMs } from '../kafka/timestamp.js';
import type { Logger } from '../log/logger.js';
import type { ConsumedMessage, ProducedRecord, Stage } from '../runner/types.js';
import { deadLetterRecord } from './dead-letter.js';
import { resolveMatchSchemaId } from './avro.js';
import { AlertText, matchRecord, type MatchTarget } from './match.js';

export type DecodeOutcome = { ok: true; alert: Alert; index: number } | { ok: false; error: NightjarError; index: number };

/** The steps of a worker, injected so the core stays a pure function of its batch and state. */
export interface WorkerSteps {
  decode(bytes: Uint8Array): Promise<DecodeOutcome[]>;
  /** Fills annotation namespaces in place (crossmatch, features, anomaly score). */
  annotate?(alerts: Alert[]): void | Promise<void>;
  /** The filter versions an alert matches, after guards and rate limits (on the stream's clock, `streamMs`). */
  match?(alert: Alert, now: Date, streamMs: number | undefined): MatchTarget[];
  /** The enriched/per-user JSON form of an alert. */
  toJSON(alert: Alert, opts: { lightcurve: boolean; cutouts: boolean }): Record<string, unknown>;
}

const SYNTHETIC_HEADER = 'nightjar-synthetic';
/** Room for headers and batch overhead under the stream topics' max.message.bytes. */
const MAX_OUTPUT_BYTES = MAX_RECORD_BYTES - 64 * 1024;

/**
 * The worker stage: ingest → annotate → filter → publish in one process, on each batch, with
 * no Kafka hop in between. Every consumed message ends as enriched alerts (one per record) or a
 * dead-letter record; matches go to per-user topics. Run transactionally, all of it commits
 * with the consumed offsets.
 */
export class WorkerStage implements Stage {
  readonly name = 'worker';
  private readonly metrics: WorkerMetrics;

  constructor(
    private readonly config: Config,
    private readonly steps: WorkerSteps,
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.metrics = workerMetrics(registry);
  }

  async process(batch: ConsumedMessage[]): Promise<ProducedRecord[]> {
    const out: ProducedRecord[] = [];
    const alerts: { alert: Alert; message: ConsumedMessage }[] = [];
    const decodeTimer = this.metrics.stageSeconds.startTimer({ stage: 'ingest' });
    for (const message of batch) {
      this.metrics.consumed.inc({ topic: message.topic });
      for (const outcome of await this.decodeSafely(message)) {
        if (outcome.ok) {
          if (message.headers?.[SYNTHETIC_HEADER]?.toString() === '1') outcome.alert.synthetic = true;
          alerts.push({ alert: outcome.alert, message });
        } else {
          this.metrics.deadLettered.inc({ code: outcome.error.code });
          const index = outcome.index >= 0 ? outcome.index : undefined;
          out.push(deadLetterRecord(this.config.topics.deadLetter, { topic: message.topic, partition: message.partition, offset: message.offset, index }, message.value, outcome.error, this.config.ingest.deadLetterMaxBytes));
        }
      }
    }
    decodeTimer();
    this.metrics.decoded.inc(alerts.length);

    if (this.steps.annotate && alerts.length > 0) {
      const annotateTimer = this.metrics.stageSeconds.startTimer({ stage: 'annotate' });
      await this.steps.annotate(alerts.map((a) => a.alert));
      annotateTimer();
    }

    const publishTimer = this.metrics.stageSeconds.startTimer({ stage: 'filter_publish' });
    const now = new Date();
    for (const { alert, message } of alerts) {
      const text = new AlertText(alert, this.steps.toJSON);
      const producedAt = recordTimestampMs(message.timestamp);
      for (const target of this.steps.match?.(alert, now, producedAt) ?? []) {
        // Avro matches carry the schema registry's id for <topic>-value when one is configured (cached per topic).
        const schemaId = target.output.format === 'avro' ? await resolveMatchSchemaId(this.config, target.topic) : undefined;
        out.push(matchRecord(alert, target, now, text, schemaId));
        this.metrics.matches.inc();
      }
      const enriched = text.get({ lightcurve: true, cutouts: true });
      if (Buffer.byteLength(enriched) > MAX_OUTPUT_BYTES) {
        // A record the broker would refuse would fail the batch again and again: dead-letter it instead.
        const error = new NightjarError('OUTPUT_TOO_LARGE', `enriched alert ${alert.alertId} is ${Buffer.byteLength(enriched)} bytes`);
        this.metrics.deadLettered.inc({ code: error.code });
        out.push(deadLetterRecord(this.config.topics.deadLetter, { topic: message.topic, partition: message.partition, offset: message.offset }, message.value, error, this.config.ingest.deadLetterMaxBytes));
        continue;
      }
      out.push({
        topic: this.config.topics.enriched,
        key: alert.objectId,
        value: enriched,
        headers: { 'content-type': 'application/json', 'nightjar-source': `${message.topic}:${message.partition}:${message.offset}` },
      });
      if (producedAt !== undefined) this.metrics.endToEndSeconds.observe(Math.max(0, (Date.now() - producedAt) / 1000));
    }
    publishTimer();
    return out;
  }

  /** A decoder bug must not stop the stream: anything thrown becomes a dead letter for that message. */
  private async decodeSafely(message: ConsumedMessage): Promise<DecodeOutcome[]> {
    if (message.value === null || message.value.length === 0) {
      return [{ ok: false, index: -1, error: new NightjarError('DECODE_EMPTY', 'the message has no bytes') }];
    }
    try {
      return await this.steps.decode(message.value);
    } catch (err) {
      const error = asNightjarError(err, 'NORMALISE_FAILED');
      if (error.retriable) throw error;
      this.logger.warn({ err: error.message, topic: message.topic, offset: message.offset }, 'decoder threw; dead-lettering the message');
      return [{ ok: false, index: -1, error }];
    }
  }
}

interface WorkerMetrics {
  consumed: Counter<'topic'>;
  decoded: Counter;
  deadLettered: Counter<'code'>;
  matches: Counter;
  stageSeconds: Histogram<'stage'>;
  endToEndSeconds: Histogram;
}

/** One set per registry: several worker stages in one process share their counters. */
const metricsByRegistry = new WeakMap<Registry, WorkerMetrics>();

function workerMetrics(registry: Registry): WorkerMetrics {
  const existing = metricsByRegistry.get(registry);
  if (existing) return existing;
  const metrics: WorkerMetrics = {
    consumed: new PromCounter({ name: 'nightjar_alerts_consumed_total', help: 'Alert messages consumed from survey topics', labelNames: ['topic'], registers: [registry] }),
    decoded: new PromCounter({ name: 'nightjar_alerts_decoded_total', help: 'Alerts decoded, validated and normalised', registers: [registry] }),
    deadLettered: new PromCounter({ name: 'nightjar_alerts_dead_lettered_total', help: 'Messages or records sent to the dead-letter topic, by error code', labelNames: ['code'], registers: [registry] }),
    matches: new PromCounter({ name: 'nightjar_filter_matches_total', help: 'Matches published to per-user topics', registers: [registry] }),
    stageSeconds: new PromHistogram({ name: 'nightjar_stage_batch_seconds', help: 'Time spent per batch in each step of the worker', labelNames: ['stage'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    endToEndSeconds: new PromHistogram({ name: 'nightjar_end_to_end_latency_seconds', help: 'From the survey message timestamp to the enriched alert being produced', buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300], registers: [registry] }),
  };
  metricsByRegistry.set(registry, metrics);
  return metrics;
}
