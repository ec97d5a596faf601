import type { ClickHouseClient } from '@clickhouse/client';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { jobCommand } from '../../src/cli/job.js';
import { createClickHouse } from '../../src/clickhouse/client.js';
import { runMigrations } from '../../src/clickhouse/migrate.js';
import type { Config } from '../../src/config/index.js';
import { expressionErrors } from '../../src/filter/lang-matcher.js';
import { FilterStore } from '../../src/filter/store.js';
import type { JobExecutor } from '../../src/jobs/kinds.js';
import type { JobRecord } from '../../src/jobs/model.js';
import { JobResults } from '../../src/jobs/results.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { JobStore } from '../../src/jobs/store.js';
import { silentLogger } from '../../src/log/logger.js';
import { testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic } from './support/alerts.js';

/** An executor that runs until it is aborted (a long job), then fails with the abort's reason. */
const endless: JobExecutor = (ctx) =>
  new Promise((_, reject) => {
    ctx.progress(1, 10);
    if (ctx.signal.aborted) reject(ctx.signal.reason as Error);
    ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error), { once: true });
  });

/**
 * The jobs role across restarts, cancellations and expiry, with real Kafka (the jobs topic) and
 * ClickHouse (job_results). Long jobs are simulated by an executor that never finishes by itself;
 * the resumed run uses the real query executor.
 */
describe('the jobs role', () => {
  let kit: KafkaKit;
  let config: Config;
  let clickhouse: ClickHouseClient;
  let api: JobStore;
  const runners: { runner: JobRunner; store: JobStore; filters: FilterStore }[] = [];

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = testConfig({
      topics: { jobs: await compactedTopic(kit, 'jr-jobs'), filters: await compactedTopic(kit, 'jr-filters') },
      clickhouse: { database: uniqueName('nightjar_test_jobrunner').replace(/-/g, '_') },
    });
    clickhouse = createClickHouse(config, { database: config.clickhouse.database, quiet: true });
    const setup = createClickHouse(config);
    await runMigrations(setup, config, silentLogger());
    await setup.close();
    api = new JobStore(kit.kafka, config, silentLogger());
    await api.start();
  }, 60_000);

  afterEach(async () => {
    for (const { runner, store, filters } of runners.splice(0)) {
      await runner.stop();
      await Promise.all([store.stop(), filters.stop()]);
    }
  });

  afterAll(async () => {
    await api?.stop();
    await clickhouse?.command({ query: `DROP DATABASE IF EXISTS ${config.clickhouse.database}` }).catch(() => undefined);
    await clickhouse?.close();
  });

  async function startRunner(overrides: Partial<Config['jobs']> = {}, executors: Partial<Record<JobRecord['kind'], JobExecutor>> = {}): Promise<JobRunner> {
    const own = { ...config, jobs: { ...config.jobs, ...overrides } };
    const store = new JobStore(kit.kafka, own, silentLogger());
    const filters = new FilterStore(kit.kafka, own, silentLogger(), expressionErrors);
    const runner = new JobRunner({ kafka: kit.kafka, config: own, logger: silentLogger(), registry: new Registry(), store, filters, clickhouse, results: new JobResults(clickhouse, own.clickhouse.database), tickMs: 200, progressMs: 0, executors });
    runners.push({ runner, store, filters });
    await runner.start();
    return runner;
  }

  async function stopRunner(runner: JobRunner): Promise<void> {
    const i = runners.findIndex((r) => r.runner === runner);
    const [{ store, filters }] = runners.splice(i, 1);
    await runner.stop();
    await Promise.all([store.stop(), filters.stop()]);
  }

  const state = (id: string, wanted: JobRecord['state']) => waitFor(() => (api.get(id)?.state === wanted ? api.get(id) : undefined), { timeoutMs: 20_000, message: `job ${id} ${wanted}` });

  async function resultText(job: JobRecord): Promise<string> {
    let text = '';
    for await (const part of new JobResults(clickhouse, config.clickhouse.database).read(job.id, job.attempts)) text += part;
    return text;
  }

  it('resumes a job that was running when the role stopped, and reads only the attempt that succeeded', async () => {
    const first = await startRunner({}, { query: endless });
    const job = await api.submit(uniqueName('ada'), 'query', { sql: 'SELECT 41 + 1 AS answer', format: 'csv' });
    const running = await state(job.id, 'running');
    expect(running.attempts).toBe(1);
    await waitFor(() => api.get(job.id)?.progress?.total === 10, { message: 'progress published' });
    await stopRunner(first);
    // Stopping leaves it running: the next start picks it up.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(api.get(job.id)!.state).toBe('running');

    await startRunner();
    const done = await state(job.id, 'succeeded');
    expect(done.attempts).toBe(2);
    expect(done.result).toMatchObject({ format: 'csv', rows: 1 });
    expect(await resultText(done)).toBe('"answer"\n42\n');
  }, 60_000);

  it('fails a job interrupted more often than jobs.maxAttempts allows, with a reason', async () => {
    const first = await startRunner({ maxAttempts: 1 }, { query: endless });
    const job = await api.submit(uniqueName('ada'), 'query', { sql: 'SELECT 1', format: 'jsonl' });
    await state(job.id, 'running');
    await stopRunner(first);
    await startRunner({ maxAttempts: 1 });
    const failed = await state(job.id, 'failed');
    expect(failed.error).toMatchObject({ code: 'JOB_INTERRUPTED' });
    expect(failed.error!.message).toMatch(/maxAttempts is 1/);
  }, 60_000);

  it('cancels a running job and a queued one, running at most jobs.concurrency at once', async () => {
    const runner = await startRunner({ concurrency: 1 }, { query: endless });
    const owner = uniqueName('ada');
    const a = await api.submit(owner, 'query', { sql: 'SELECT 1' });
    const b = await api.submit(owner, 'query', { sql: 'SELECT 2' });
    await state(a.id, 'running');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(api.get(b.id)!.state).toBe('queued');
    expect(runner.active).toEqual([a.id]);

    await api.cancel(api.get(b.id)!);
    expect((await state(b.id, 'cancelled')).startedAt).toBeNull();
    await api.cancel(api.get(a.id)!);
    const cancelled = await state(a.id, 'cancelled');
    expect(cancelled.error).toMatchObject({ code: 'JOB_CANCELLED' });
    expect(cancelled.expiresAt).not.toBeNull();
  }, 60_000);

  it('limits how many open jobs a user has', async () => {
    await startRunner({}, { query: endless });
    const own = new JobStore(kit.kafka, { ...config, jobs: { ...config.jobs, maxPerUser: 2 } }, silentLogger());
    await own.start();
    try {
      const owner = uniqueName('ada');
      await own.submit(owner, 'query', { sql: 'SELECT 1' });
      await own.submit(owner, 'query', { sql: 'SELECT 2' });
      await expect(own.submit(owner, 'query', { sql: 'SELECT 3' })).rejects.toMatchObject({ code: 'JOB_LIMIT' });
      await expect(own.submit(uniqueName('bea'), 'query', { sql: 'SELECT 3' })).resolves.toMatchObject({ state: 'queued' });
    } finally {
      await own.stop();
    }
  }, 60_000);

  it('lets an operator submit a job, follow its progress and print its results (nightjar job)', async () => {
    await startRunner();
    const out: string[] = [];
    const err: string[] = [];
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
    const ctx = { config, logger: silentLogger() };
    try {
      const code = await jobCommand.run(['submit', '--owner', uniqueName('ops'), '--kind', 'query', '--params', JSON.stringify({ sql: 'SELECT 1 AS one', format: 'csv' }), '--wait'], ctx);
      expect(code, err.join('')).toBe(0);
      const id = out.join('').trim();
      expect(id).toMatch(/^job-/);
      expect(err.join('')).toMatch(new RegExp(`${id} succeeded: 1 rows`));
      out.length = 0;
      expect(await jobCommand.run(['results', id], ctx)).toBe(0);
      expect(out.join('')).toBe('"one"\n1\n');
      await expect(jobCommand.run(['submit', '--owner', 'x', '--kind', 'nope'], ctx)).rejects.toMatchObject({ code: 'CLI_USAGE' });
      await expect(jobCommand.run(['status', 'job-missing'], ctx)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
    }
  }, 60_000);

  it('deletes finished jobs and their results once they expire', async () => {
    await startRunner({ resultTtlHours: 0 });
    const job = await api.submit(uniqueName('ada'), 'query', { sql: 'SELECT 7 AS seven', format: 'jsonl' });
    await waitFor(() => api.get(job.id)?.state === 'succeeded' || api.get(job.id) === undefined, { timeoutMs: 20_000, message: 'job ran' });
    await waitFor(() => api.get(job.id) === undefined, { timeoutMs: 20_000, message: 'expired job removed' });
    await waitFor(
      async () => {
        const [row] = await (await clickhouse.query({ query: `SELECT count() AS n FROM job_results WHERE jobId = '${job.id}'`, format: 'JSONEachRow' })).json<{ n: string }>();
        return Number(row!.n) === 0;
      },
      { timeoutMs: 20_000, message: 'results deleted' },
    );
  }, 60_000);
});
