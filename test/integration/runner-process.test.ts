import { describe, expect, it } from 'vitest';
import { kafkaBrokers } from '../../src/config/index.js';
import { committedTotal, consumeAll, duplicates, produceMessages, ScriptProcess, testConfig, topicSize, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { inputValues, sorted } from './fixtures/runner-stages.js';

const WORKER = 'test/integration/fixtures/runner-worker.ts';
const BATCH_SIZE = 100;
const INPUTS = 3_000;

interface Scenario {
  kit: KafkaKit;
  input: string;
  output: string;
  groupId: string;
  values: string[];
  start(extraEnv?: Record<string, string>): ScriptProcess;
}

/** Input topic filled with INPUTS messages, an empty output topic, and a way to start a worker process on them. */
async function scenario(options: { transactional?: boolean } = {}): Promise<Scenario> {
  const kit = await withKafka(testConfig());
  const input = await kit.createTopic({ partitions: 3, prefix: 'runner-proc-in' });
  const output = await kit.createTopic({ partitions: 3, prefix: 'runner-proc-out' });
  const values = inputValues(INPUTS);
  await produceMessages(kit.producer, input, values);
  const groupId = uniqueName('runner-proc');
  const env = {
    NIGHTJAR_KAFKA_BROKERS: kafkaBrokers(kit.config).join(','),
    NIGHTJAR_LOG_LEVEL: 'warn',
    NIGHTJAR_RUNNER_BATCH_SIZE: String(BATCH_SIZE),
    // The killed member's partitions move on once its session expires: keep that short.
    NIGHTJAR_RUNNER_SESSION_TIMEOUT_MS: '6000',
    RUNNER_INPUT: input,
    RUNNER_OUTPUT: output,
    RUNNER_GROUP: groupId,
    RUNNER_DELAY_MS: '60',
    RUNNER_TRANSACTIONAL: options.transactional ? '1' : '0',
    // Stable across restarts, as a StatefulSet pod name would be: the restart fences the crashed transaction.
    RUNNER_INSTANCE: 'member-1',
  };
  return { kit, input, output, groupId, values, start: (extraEnv = {}) => new ScriptProcess(WORKER, { ...env, ...extraEnv }) };
}

async function committedAtLeast(s: Scenario, n: number): Promise<void> {
  await waitFor(async () => (await committedTotal(s.kit.admin, s.groupId, s.input)) >= n, { timeoutMs: 90_000, message: `${n} input offsets committed` });
}

async function runToEndAndTerminate(s: Scenario): Promise<void> {
  const worker = s.start();
  await worker.waitForLine('started');
  await committedAtLeast(s, s.values.length);
  expect((await worker.kill('SIGTERM')).code).toBe(0);
}

describe('StageRunner in a separate process', () => {
  it('after SIGKILL mid-stream and a restart, every input is on the output, re-processing at most one batch', async () => {
    const s = await scenario();
    const first = s.start();
    await first.waitForLine('started');
    await committedAtLeast(s, 6 * BATCH_SIZE);
    await first.kill('SIGKILL');
    const committedAtKill = await committedTotal(s.kit.admin, s.groupId, s.input);
    expect(committedAtKill).toBeLessThan(s.values.length); // killed while work remained

    await runToEndAndTerminate(s);

    const seen = await consumeAll(s.kit.kafka, s.output, { count: s.values.length, readCommitted: false });
    const distinct = new Set(seen.map((m) => m.value));
    expect(sorted([...distinct])).toEqual(sorted(s.values)); // nothing lost
    // Resumed from the committed offsets, not from the beginning: only the batch in flight at the
    // kill can appear twice (restarting from zero would repeat everything committed before it).
    const repeated = seen.length - s.values.length;
    expect(repeated).toBeLessThanOrEqual(BATCH_SIZE);
    expect(repeated).toBeLessThan(committedAtKill);
  });

  it('when killed after outputs were acknowledged but before the commit, re-processes exactly that batch (at-least-once)', async () => {
    const s = await scenario();
    const crashed = s.start({ RUNNER_CRASH_AFTER_OUTPUTS: String(6 * BATCH_SIZE) });
    expect((await crashed.exit()).signal).toBe('SIGKILL');
    const committedAtKill = await committedTotal(s.kit.admin, s.groupId, s.input);
    const producedAtKill = await topicSize(s.kit.admin, s.output);
    expect(producedAtKill).toBeGreaterThan(committedAtKill); // the crash left outputs without their commit

    await runToEndAndTerminate(s);

    const seen = await consumeAll(s.kit.kafka, s.output, { count: s.values.length, readCommitted: false });
    expect(sorted([...new Set(seen.map((m) => m.value))])).toEqual(sorted(s.values));
    expect(seen.length - s.values.length).toBe(producedAtKill - committedAtKill);
    expect(producedAtKill - committedAtKill).toBeLessThanOrEqual(BATCH_SIZE);
  });

  it('in transactional mode, a read_committed reader sees every input exactly once despite SIGKILL mid-stream', async () => {
    const s = await scenario({ transactional: true });
    // Dies with a transaction open: its outputs sent, neither they nor the offsets committed.
    const crashed = s.start({ RUNNER_CRASH_AFTER_OUTPUTS: String(6 * BATCH_SIZE) });
    expect((await crashed.exit()).signal).toBe('SIGKILL');
    expect(await committedTotal(s.kit.admin, s.groupId, s.input)).toBeLessThan(6 * BATCH_SIZE);

    // And once more, killed from outside at whatever moment the test gets to it.
    const second = s.start();
    await second.waitForLine('started');
    await committedAtLeast(s, 12 * BATCH_SIZE);
    await second.kill('SIGKILL');
    expect(await committedTotal(s.kit.admin, s.groupId, s.input)).toBeLessThan(s.values.length);

    await runToEndAndTerminate(s);

    const committedView = await consumeAll(s.kit.kafka, s.output, { count: s.values.length, readCommitted: true, settleMs: 1_500 });
    expect(duplicates(committedView.map((m) => m.value))).toEqual(new Map());
    expect(sorted(committedView.map((m) => m.value))).toEqual(sorted(s.values));
    // The aborted transaction's records are in the log: a read_uncommitted reader sees them twice.
    const rawView = await consumeAll(s.kit.kafka, s.output, { count: s.values.length + BATCH_SIZE, readCommitted: false, timeoutMs: 10_000 });
    expect(rawView.length).toBeGreaterThan(s.values.length);
  });

  it('on SIGTERM exits 0 with every produced output committed, and a restart repeats nothing', async () => {
    const s = await scenario();
    const first = s.start();
    await first.waitForLine('started');
    await committedAtLeast(s, 6 * BATCH_SIZE);
    const exit = await first.kill('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });

    // The copy stage is one-to-one: a drained, committed shutdown leaves exactly as many outputs as committed inputs.
    const committed = await committedTotal(s.kit.admin, s.groupId, s.input);
    expect(committed).toBeLessThan(s.values.length);
    expect(await topicSize(s.kit.admin, s.output)).toBe(committed);

    await runToEndAndTerminate(s);
    const seen = await consumeAll(s.kit.kafka, s.output, { count: s.values.length });
    expect(duplicates(seen.map((m) => m.value))).toEqual(new Map());
    expect(sorted(seen.map((m) => m.value))).toEqual(sorted(s.values));
  });
});
