/**
 * `nightjar replay PATH... [--topic T] [--rate N] [--loop] [--speedup X] [--max-gap S]`
 * `nightjar replay --synthetic N --survey ztf|lsst [--topic T] [--seed S] [--templates PATH]... [--rate N] [--loop]`
 *
 * Publishes alert files (or synthetic alerts derived from real ones) to Kafka in the surveys'
 * own wire formats; see docs/replay.md. Without --topic, each alert goes to its survey's input
 * topic (topics.ztf / topics.lsst).
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Survey } from '../alert/types.js';
import { kafkaBrokers, type Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { fixRequestQueueTimers } from '../kafka/request-queue.js';
import type { Logger } from '../log/logger.js';
import { readAlertMessages } from '../ingest/files.js';
import { outgoingFromFiles, replay, type OutgoingAlert, type ReplayCounts, type ReplayItem } from '../ingest/replay.js';
import { defaultTemplatePaths, syntheticAlerts } from '../ingest/synthetic.js';
import { bundledRubinSchemaDir, loadRubinSchemas, type RubinSchema } from '../ingest/wire.js';
import { Progress } from './progress.js';

export const replayUsage =
  'replay PATH... [--topic T] [--rate N] [--loop] [--speedup X] [--max-gap S] | replay --synthetic N --survey ztf|lsst [--topic T] [--seed S] [--rate N] [--loop]';

export interface ReplayArgs {
  paths: string[];
  topic?: string;
  rate?: number;
  loop: boolean;
  speedup?: number;
  maxGapMs?: number;
  synthetic?: { count: number; survey: Survey; seed: number; templates?: string[] };
}

/** Parses and checks the arguments; a problem throws CLI_USAGE naming the flag. */
export function parseReplayArgs(argv: string[], randomSeed: () => number = () => randomInt(0, 2 ** 31)): ReplayArgs {
  const { values, positionals } = parseWith(argv);
  const args: ReplayArgs = { paths: positionals, loop: values.loop ?? false };
  if (values.topic !== undefined) args.topic = values.topic;
  if (values.rate !== undefined) args.rate = positiveNumber('--rate', values.rate);
  if (values.speedup !== undefined) args.speedup = positiveNumber('--speedup', values.speedup);
  if (values['max-gap'] !== undefined) args.maxGapMs = positiveNumber('--max-gap', values['max-gap']) * 1000;
  if (values.synthetic === undefined) {
    if (positionals.length === 0) throw usage('give alert files, directories or archives to replay, or --synthetic N --survey ztf|lsst');
    for (const flag of ['survey', 'seed', 'templates'] as const) if (values[flag] !== undefined) throw usage(`--${flag} applies to --synthetic only`);
    return args;
  }
  if (positionals.length > 0) throw usage('--synthetic takes no paths (use --templates to choose the real alerts to derive from)');
  const survey = values.survey;
  if (survey !== 'ztf' && survey !== 'lsst') throw usage('--synthetic needs --survey ztf or --survey lsst');
  const seed = values.seed === undefined ? randomSeed() : integer('--seed', values.seed);
  args.synthetic = { count: integer('--synthetic', values.synthetic), survey, seed };
  if (values.templates !== undefined) args.synthetic.templates = values.templates;
  return args;
}

function parseWith(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        topic: { type: 'string' },
        rate: { type: 'string' },
        loop: { type: 'boolean' },
        speedup: { type: 'string' },
        'max-gap': { type: 'string' },
        synthetic: { type: 'string' },
        survey: { type: 'string' },
        seed: { type: 'string' },
        templates: { type: 'string', multiple: true },
      },
    });
  } catch (err) {
    throw usage((err as Error).message);
  }
}

function positiveNumber(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw usage(`${flag} must be a positive number, got "${text}"`);
  return value;
}

function integer(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw usage(`${flag} must be a non-negative integer, got "${text}"`);
  return value;
}

function usage(message: string): NightjarError {
  return new NightjarError('CLI_USAGE', `${message}\nusage: nightjar ${replayUsage}`);
}

export interface ReplayDeps {
  /** Defaults to a kafkajs producer on the configured brokers (idempotent, acks all, uncompressed). */
  connectProducer?: (config: Config, logger: Logger) => Promise<Producer>;
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  signal?: AbortSignal;
  rubinSchemaDir?: string;
}

/** Runs `nightjar replay`; exit status 0 when everything was published, 1 when some input failed. */
export async function replayCommand(argv: string[], config: Config, logger: Logger, deps: ReplayDeps = {}): Promise<number> {
  const args = parseReplayArgs(argv);
  const stderr = deps.stderr ?? process.stderr;
  const log = logger.child({ component: 'replay' });
  const rubinSchemas = loadRubinSchemas(deps.rubinSchemaDir ?? defaultRubinSchemaDir());
  const messages = messageSource(args, rubinSchemas);
  const topic = args.topic ?? ((alert: OutgoingAlert) => surveyTopic(config, alert.survey));
  if (args.synthetic) stderr.write(`synthetic ${args.synthetic.survey} alerts, seed ${args.synthetic.seed}\n`);
  const progress = new Progress({ label: 'replay', output: stderr, ...(args.synthetic && !args.loop ? { total: args.synthetic.count } : {}) });
  const stop = abortOnSignals(deps.signal);
  const producer = await (deps.connectProducer ?? connectProducer)(config, log);
  let counts: ReplayCounts;
  try {
    counts = await replay({
      producer,
      messages,
      topic,
      loop: args.loop,
      signal: stop.signal,
      ...(args.rate !== undefined ? { ratePerSec: args.rate } : {}),
      ...(args.speedup !== undefined ? { speedup: args.speedup } : {}),
      ...(args.maxGapMs !== undefined ? { maxGapMs: args.maxGapMs } : {}),
      onProgress: (p) => progress.update({ done: p.sent, failed: p.failed, bytes: p.bytes }),
      onFailure: (f) => void stderr.write(`${f.source}: ${f.error.code}: ${f.error.message}\n`),
    });
  } finally {
    stop.dispose();
    await producer.disconnect();
  }
  progress.update({ done: counts.sent, failed: counts.failed, bytes: counts.bytes });
  progress.finish();
  log.info(counts, 'replay finished');
  return counts.failed > 0 ? 1 : 0;
}

function messageSource(args: ReplayArgs, rubinSchemas: Map<string, RubinSchema>): () => AsyncIterable<ReplayItem> {
  const synthetic = args.synthetic;
  if (synthetic) {
    return () =>
      syntheticAlerts({
        survey: synthetic.survey,
        count: synthetic.count,
        seed: synthetic.seed,
        rubinSchemas,
        templates: synthetic.templates ?? defaultTemplatePaths(synthetic.survey),
      });
  }
  return () => outgoingFromFiles(readAlertMessages(args.paths), rubinSchemas);
}

export function surveyTopic(config: Config, survey: Survey): string {
  return survey === 'ztf' ? config.topics.ztf : config.topics.lsst;
}

/** The Rubin schemas bundled under schemas/lsst. */
export function defaultRubinSchemaDir(): string {
  return bundledRubinSchemaDir;
}

/** Ctrl-C stops the replay cleanly: the current batch is flushed and the producer disconnected. */
function abortOnSignals(outer?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  outer?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
      outer?.removeEventListener('abort', abort);
    },
  };
}

/** An idempotent producer that waits for all in-sync replicas and leaves values uncompressed (alerts are already dense). */
export async function connectProducer(config: Config, logger: Logger): Promise<Producer> {
  fixRequestQueueTimers();
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-replay`,
    brokers: kafkaBrokers(config),
    requestTimeout: config.kafka.requestTimeoutMs,
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  try {
    await producer.connect();
  } catch (err) {
    throw new NightjarError('KAFKA_UNAVAILABLE', `cannot connect to Kafka at ${kafkaBrokers(config).join(',')}: ${(err as Error).message}`, { cause: err });
  }
  logger.debug({ brokers: kafkaBrokers(config) }, 'replay producer connected');
  return producer;
}
