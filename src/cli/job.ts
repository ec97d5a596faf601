import { parseArgs } from 'node:util';
import { createClickHouse } from '../clickhouse/client.js';
import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';
import { JobResults } from '../jobs/results.js';
import { JobStore } from '../jobs/store.js';
import { isFinished, jobKinds, type JobKind, type JobRecord } from '../jobs/model.js';
import { createKafka } from '../kafka/client.js';
import type { Logger } from '../log/logger.js';
import type { Command } from './main.js';
import { Progress } from './progress.js';

const usage = `job submit --owner USER --kind backfill|query|export [--params JSON] [--wait]
       nightjar job list [--owner USER]
       nightjar job status ID
       nightjar job wait ID
       nightjar job results ID
       nightjar job cancel ID`;

/**
 * `nightjar job ...`: the operator's side of the jobs a jobs role runs (users have /api/v1/jobs).
 * `--wait` and `wait` follow the job with a progress bar on stderr; `results` writes them to stdout.
 */
export const jobCommand: Command = {
  name: 'job',
  usage: 'job submit|list|status|wait|results|cancel ...',
  summary: 'submit and follow backfill, query and export jobs (run by the jobs role), with progress',
  async run(argv, { config, logger }) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: { owner: { type: 'string' }, kind: { type: 'string' }, params: { type: 'string', default: '{}' }, wait: { type: 'boolean', default: false } },
    });
    const [action, id, ...extra] = positionals;
    if (extra.length > 0) throw usageError();
    return withJobs(config, logger, async (store) => {
      switch (action) {
        case 'submit': {
          if (!values.owner || !values.kind || id) throw usageError();
          if (!jobKinds.includes(values.kind as JobKind)) throw new NightjarError('CLI_USAGE', `--kind must be one of ${jobKinds.join(', ')}`);
          const job = await store.submit(values.owner, values.kind as JobKind, parseParams(values.params!));
          process.stderr.write(`submitted ${job.id} (${job.kind} for ${job.owner})\n`);
          process.stdout.write(`${job.id}\n`);
          return values.wait ? exitOf(await follow(store, job.id)) : 0;
        }
        case 'list':
          if (id) throw usageError();
          for (const job of values.owner ? store.ownedBy(values.owner) : store.all()) process.stdout.write(`${job.id}\t${job.owner}\t${job.kind}\t${job.state}\t${progressText(job)}\t${job.createdAt}\n`);
          return 0;
        case 'status':
          process.stdout.write(`${JSON.stringify(existing(store, id), null, 2)}\n`);
          return 0;
        case 'wait':
          return exitOf(await follow(store, existing(store, id).id));
        case 'results': {
          const job = existing(store, id);
          if (job.state !== 'succeeded') throw new NightjarError(isFinished(job) ? 'JOB_NO_RESULTS' : 'JOB_NOT_FINISHED', `job ${job.id} is ${job.state}`);
          const clickhouse = createClickHouse(config);
          try {
            for await (const part of new JobResults(clickhouse, config.clickhouse.database).read(job.id, job.attempts)) {
              if (!process.stdout.write(part)) await new Promise((resolve) => process.stdout.once('drain', resolve));
            }
          } finally {
            await clickhouse.close();
          }
          return 0;
        }
        case 'cancel': {
          const job = await store.cancel(existing(store, id));
          process.stdout.write(`${job.id}: ${job.state}${job.cancelRequested && job.state === 'running' ? ' (stopping)' : ''}\n`);
          return 0;
        }
        default:
          throw usageError();
      }
    });
  },
};

function usageError(): NightjarError {
  return new NightjarError('CLI_USAGE', `usage: nightjar ${usage}`);
}

function parseParams(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new NightjarError('CLI_USAGE', `--params must be a JSON object, e.g. '{"filterId":"bright","since":60000,"until":60100}'`);
}

function existing(store: JobStore, id: string | undefined): JobRecord {
  if (!id) throw usageError();
  const job = store.get(id);
  if (!job) throw new NightjarError('NOT_FOUND', `no job ${id}`);
  return job;
}

function progressText(job: JobRecord): string {
  if (!job.progress) return '-';
  return job.progress.total === null ? `${job.progress.done}` : `${job.progress.done}/${job.progress.total}`;
}

function exitOf(job: JobRecord): number {
  if (job.state === 'succeeded') {
    process.stderr.write(`${job.id} succeeded: ${job.result?.rows ?? 0} rows${job.result?.evaluated === undefined ? '' : ` of ${job.result.evaluated} alerts`}; nightjar job results ${job.id}\n`);
    return 0;
  }
  process.stderr.write(`${job.id} ${job.state}: ${job.error?.code ?? ''} ${job.error?.message ?? ''}\n`);
  return 1;
}

/** Follows a job on the jobs topic, drawing its progress, until it finishes. */
async function follow(store: JobStore, id: string): Promise<JobRecord> {
  let progress: Progress | undefined;
  return new Promise<JobRecord>((resolve, reject) => {
    const onChange = (key: string, job: JobRecord | undefined): void => {
      if (key !== id) return;
      if (!job) {
        store.topic.off('change', onChange);
        reject(new NightjarError('NOT_FOUND', `job ${id} was deleted`));
        return;
      }
      if (job.progress) {
        progress ??= new Progress({ label: `${job.kind} ${job.id}`, total: job.progress.total ?? undefined });
        progress.update({ done: job.progress.done, failed: 0, bytes: job.result?.bytes ?? 0 });
      }
      if (isFinished(job)) {
        store.topic.off('change', onChange);
        progress?.finish();
        resolve(job);
      }
    };
    store.topic.on('change', onChange);
    onChange(id, store.get(id));
  });
}

async function withJobs<T>(config: Config, logger: Logger, fn: (store: JobStore) => Promise<T>): Promise<T> {
  const store = new JobStore(createKafka(config, logger), config, logger);
  try {
    await store.start();
    return await fn(store);
  } finally {
    await store.stop();
  }
}
