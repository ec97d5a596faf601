import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { NightjarError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { StageRunner, type ConsumedMessage, type Stage } from '../../../src/runner/index.js';
import { waitFor } from '../../helpers/wait.js';
import { FakeKafka, gate } from './fake-kafka.js';

const config = loadConfig({ env: {}, overrides: { runner: { batchSize: 4, highWaterMark: 10, lowWaterMark: 3, retries: 3, shutdownTimeoutMs: 2_000 } } });

function setup(stage: Stage, options: { transactional?: boolean } = {}) {
  const fake = new FakeKafka();
  const registry = new Registry();
  const runner = new StageRunner({
    stage,
    kafka: fake.asKafka(),
    config,
    logger: silentLogger(),
    registry,
    groupId: 'g',
    topics: ['in'],
    transactional: options.transactional,
    retryHooks: { sleep: async () => undefined },
  });
  return { fake, runner, registry };
}

/** Copies each message to `out`; optionally waits on a gate first. */
function copy(options: { hold?: Promise<void>; seen?: ConsumedMessage[][] } = {}): Stage {
  return {
    name: 'copy',
    async process(batch) {
      options.seen?.push(batch);
      await options.hold;
      return batch.map((m) => ({ topic: 'out', key: m.key, value: m.value }));
    },
  };
}

async function started(stage: Stage, options: { transactional?: boolean } = {}) {
  const parts = setup(stage, options);
  await parts.runner.start();
  parts.fake.join({ in: [0, 1] });
  return parts;
}

describe('StageRunner (fake Kafka)', () => {
  it('hands the stage batches of at most batchSize and commits one past each partition after the outputs are sent', async () => {
    const seen: ConsumedMessage[][] = [];
    const { fake, runner } = await started(copy({ seen }));
    expect(await fake.deliver('in', 0, [0, 1, 2, 3, 4, 5])).toBe('5');
    await waitFor(() => fake.commits.length === 2);
    expect(seen.map((b) => b.map((m) => m.offset))).toEqual([['0', '1', '2', '3'], ['4', '5']]);
    expect(fake.log).toEqual(['send 4', 'commit 0@4', 'send 2', 'commit 0@6']);
    await runner.stop();
    expect(fake.log.slice(-2)).toEqual(['consumer disconnect', 'producer disconnect']);
  });

  it('pauses intake at the high-water mark, skips batches while paused, resumes at the low-water mark', async () => {
    const hold = gate();
    const { fake, runner } = await started(copy({ hold: hold.wait }));
    await fake.deliver('in', 0, [0, 1, 2, 3, 4, 5]); // the stage takes 4 and blocks; 2 buffered
    await waitFor(() => runner.stats().buffered === 2);
    await fake.deliver('in', 1, [0, 1, 2, 3, 4, 5, 6, 7]); // 10 buffered: pause
    expect(fake.paused).toEqual([['in']]);
    expect(runner.stats().paused).toBe(true);
    expect(await fake.deliver('in', 0, [6, 7])).toBeUndefined(); // not resolved: kafkajs fetches it again later
    expect(runner.stats().buffered).toBe(10);

    hold.open();
    await waitFor(() => fake.resumed.length === 1);
    expect(runner.stats().paused).toBe(false);
    await waitFor(() => runner.stats().buffered === 0 && fake.commits.length === 4);
    await runner.stop();
  });

  it('after a rebalance, drops what is buffered and does not commit the batch that was in flight', async () => {
    const hold = gate();
    const { fake, runner } = await started(copy({ hold: hold.wait }));
    await fake.deliver('in', 0, [0, 1, 2, 3, 4, 5, 6]);
    await waitFor(() => runner.stats().buffered === 3);
    fake.emit('consumer.rebalancing', {});
    expect(runner.stats().buffered).toBe(0);
    hold.open();
    await waitFor(() => runner.stats().batchesAbandoned === 1);
    expect(fake.log).toEqual(['send 4']); // outputs went out, the offsets did not
    expect(fake.commits).toEqual([]);

    fake.join({ in: [0] }); // the partition came back: re-fetched from the committed offset
    await fake.deliver('in', 0, [0, 1]);
    await waitFor(() => fake.commits.length === 1);
    expect(fake.commits[0]).toEqual([{ topic: 'in', partition: 0, offset: '2' }]);
    await runner.stop();
  });

  it('retries a batch whose produce failed with a retriable error, then commits it once', async () => {
    const { fake, runner, registry } = await started(copy());
    fake.failNextSends = 2;
    await fake.deliver('in', 0, [0, 1]);
    await waitFor(() => fake.commits.length === 1);
    expect(fake.log).toEqual(['send 2', 'commit 0@2']);
    expect(await registry.getSingleMetricAsString('nightjar_runner_errors_total')).toContain('code="KAFKA_REQUEST_FAILED"} 2');
    await runner.stop();
  });

  it('stops with STAGE_FAILED, committing nothing, when the stage throws a non-retriable error', async () => {
    const broken: Stage = {
      name: 'broken',
      process: () => {
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const { fake, runner } = await started(broken);
    await fake.deliver('in', 0, [0, 1]);
    const error = await runner.finished().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NightjarError);
    expect((error as NightjarError).code).toBe('STAGE_FAILED');
    expect((error as NightjarError).cause).toBeInstanceOf(TypeError);
    expect(fake.commits).toEqual([]);
    expect(fake.log).toEqual(['consumer disconnect', 'producer disconnect']);
  });

  it('gives up after the configured retries of a retriable stage error', async () => {
    let calls = 0;
    const flaky: Stage = {
      name: 'flaky',
      process: () => {
        calls++;
        throw new NightjarError('CLICKHOUSE_UNAVAILABLE', 'down');
      },
    };
    const { fake, runner } = await started(flaky);
    await fake.deliver('in', 0, [0]);
    await expect(runner.finished()).rejects.toMatchObject({ code: 'STAGE_FAILED' });
    expect(calls).toBe(1 + config.runner.retries);
    expect(fake.commits).toEqual([]);
  });

  it('in transactional mode sends outputs and offsets in one transaction, aborting and retrying on failure', async () => {
    const { fake, runner } = await started(copy(), { transactional: true });
    fake.failNextSends = 1;
    await fake.deliver('in', 1, [7, 8]);
    await waitFor(() => fake.log.includes('txn commit'));
    expect(fake.log).toEqual(['txn begin', 'txn abort', 'txn begin', 'send 2', 'txn offsets 1@9', 'txn commit']);
    expect(fake.commits).toEqual([]); // offsets go through the transaction, never a plain commit
    await runner.stop();
  });

  it('aborts the transaction of a batch whose partitions were revoked meanwhile', async () => {
    const hold = gate();
    const { fake, runner } = await started(copy({ hold: hold.wait }), { transactional: true });
    await fake.deliver('in', 0, [0, 1]);
    await waitFor(() => runner.stats().buffered === 0);
    fake.emit('consumer.rebalancing', {});
    hold.open();
    await waitFor(() => runner.stats().batchesAbandoned === 1);
    expect(fake.log).toEqual(['txn begin', 'send 2', 'txn offsets 0@2', 'txn abort']);
    await runner.stop();
  });

  it('drains the batch in flight on stop, and stop is idempotent', async () => {
    const hold = gate();
    let closed = 0;
    const stage: Stage = { ...copy({ hold: hold.wait }), close: () => void closed++ };
    const { fake, runner } = await started(stage);
    await fake.deliver('in', 0, [0, 1]);
    await waitFor(() => runner.stats().buffered === 0);
    const first = runner.stop();
    const second = runner.stop();
    expect(second).toBe(first);
    hold.open();
    await first;
    expect(fake.log).toEqual(['send 2', 'commit 0@2', 'consumer disconnect', 'producer disconnect']);
    expect(closed).toBe(1);
    await expect(runner.finished()).resolves.toBeUndefined();
  });
});
