import type { Gauge } from 'prom-client';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { StageRunner, type Stage } from '../../src/runner/index.js';
import { committedTotal, consumeAll, duplicates, produceMessages, registerCleanup, testConfig, topicSize, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { copyStage, inputValues, sorted } from './fixtures/runner-stages.js';

function runner(kit: KafkaKit, stage: Stage, input: string, groupId: string, extra: { config?: Config; registry?: Registry; fetch?: { maxBytesPerPartition: number } } = {}): StageRunner {
  const instance = new StageRunner({
    stage,
    kafka: kit.kafka,
    config: extra.config ?? kit.config,
    logger: silentLogger(),
    registry: extra.registry ?? new Registry(),
    groupId,
    topics: [input],
    fetch: extra.fetch,
  });
  registerCleanup(() => instance.stop());
  return instance;
}

describe('StageRunner on a real broker', () => {
  it('produces every input once and commits offsets only after their outputs are on Kafka', async () => {
    const kit = await withKafka(testConfig({ runner: { batchSize: 200, sessionTimeoutMs: 6_000 } }));
    const input = await kit.createTopic({ partitions: 3, prefix: 'runner-in' });
    const output = await kit.createTopic({ partitions: 3, prefix: 'runner-out' });
    const values = inputValues(5_000);
    await produceMessages(kit.producer, input, values);
    const groupId = uniqueName('runner-map');
    const stage = copyStage(output);
    const subject = runner(kit, stage, input, groupId);

    const began = performance.now();
    await subject.start();
    // Committed first, outputs second: outputs only grow, so with commit-after-acknowledge the
    // outputs read later are never fewer than the offsets committed before.
    const violations: { committed: number; produced: number }[] = [];
    await waitFor(
      async () => {
        const committed = await committedTotal(kit.admin, groupId, input);
        const produced = await topicSize(kit.admin, output);
        if (produced < committed) violations.push({ committed, produced });
        return committed === values.length;
      },
      { timeoutMs: 90_000, intervalMs: 25, message: 'every input offset committed' },
    );
    const seconds = (performance.now() - began) / 1_000;
    console.info(`[runner throughput] ${values.length} messages in ${seconds.toFixed(2)} s: ${Math.round(values.length / seconds)} messages/s (batchSize 200, at-least-once)`);
    await subject.stop();

    const seen = await consumeAll(kit.kafka, output, { count: values.length });
    expect(violations).toEqual([]);
    expect(sorted(seen.map((m) => m.value))).toEqual(sorted(values));
    expect(seen.every((m) => m.key === m.value)).toBe(true);
    expect(stage.handled).toBe(values.length);
    expect(subject.stats().batchesCommitted).toBeGreaterThanOrEqual(values.length / 200);
  });

  it('loses nothing when one of two runners in a group stops mid-stream (rebalance)', async () => {
    const kit = await withKafka(testConfig({ runner: { batchSize: 50, sessionTimeoutMs: 6_000 } }));
    const input = await kit.createTopic({ partitions: 4, prefix: 'runner-rb-in' });
    const output = await kit.createTopic({ partitions: 4, prefix: 'runner-rb-out' });
    const values = inputValues(4_000);
    await produceMessages(kit.producer, input, values);
    const groupId = uniqueName('runner-rebalance');
    const registry = new Registry();
    const stageA = copyStage(output, { delayMs: 30 });
    const stageB = copyStage(output, { delayMs: 30 });
    const a = runner(kit, stageA, input, groupId, { registry });
    const b = runner(kit, stageB, input, groupId, { registry });
    await Promise.all([a.start(), b.start()]);

    await waitFor(() => stageA.handled > 0 && stageB.handled > 0 && stageA.handled + stageB.handled >= values.length / 4, {
      timeoutMs: 60_000,
      message: 'both runners processing',
    });
    const generationBefore = a.stats().generation;
    expect(stageA.handled + stageB.handled).toBeLessThan(values.length); // stopped mid-stream
    await b.stop();
    await expect(b.finished()).resolves.toBeUndefined();

    await waitFor(async () => (await committedTotal(kit.admin, groupId, input)) === values.length, { timeoutMs: 90_000, message: 'every input committed' });
    await a.stop();

    const seen = await consumeAll(kit.kafka, output, { count: values.length });
    const distinct = new Set(seen.map((m) => m.value));
    expect([...values].filter((v) => !distinct.has(v))).toEqual([]);
    expect(a.stats().generation).toBeGreaterThan(generationBefore);
    expect(b.stats().batchesCommitted).toBeGreaterThan(0);
    // Re-deliveries come only from batches in flight at the rebalance: at most one batch per runner.
    expect(seen.length - values.length).toBeLessThanOrEqual(2 * 50);
  });

  it('pauses intake above the high-water mark and never buffers more than it plus one fetch', async () => {
    const config = testConfig({ runner: { batchSize: 10, highWaterMark: 60, lowWaterMark: 20, sessionTimeoutMs: 6_000 } });
    const kit = await withKafka(config);
    const input = await kit.createTopic({ partitions: 2, prefix: 'runner-bp-in' });
    const output = await kit.createTopic({ partitions: 2, prefix: 'runner-bp-out' });
    const values = inputValues(1_500);
    await produceMessages(kit.producer, input, values);
    const registry = new Registry();
    const groupId = uniqueName('runner-backpressure');
    const subject = runner(kit, copyStage(output, { delayMs: 5 }), input, groupId, { registry, fetch: { maxBytesPerPartition: 2_048 } });
    const pausedGauge = registry.getSingleMetric('nightjar_runner_paused') as Gauge;

    let sawPausedFlag = false;
    let sawPausedMetric = false;
    const watch = setInterval(() => {
      sawPausedFlag ||= subject.stats().paused;
      void pausedGauge.get().then((m) => (sawPausedMetric ||= m.values.some((v) => v.value === 1)));
    }, 5);
    try {
      await subject.start();
      await waitFor(async () => (await committedTotal(kit.admin, groupId, input)) === values.length, { timeoutMs: 120_000, message: 'every input committed' });
    } finally {
      clearInterval(watch);
    }
    await subject.stop();

    const { peakBuffered, largestFetch } = subject.stats();
    expect(sawPausedFlag).toBe(true);
    expect(sawPausedMetric).toBe(true);
    expect(largestFetch).toBeLessThan(values.length / 4); // the small fetch size took effect
    expect(peakBuffered).toBeGreaterThanOrEqual(60);
    expect(peakBuffered).toBeLessThanOrEqual(60 + largestFetch);
    const seen = await consumeAll(kit.kafka, output, { count: values.length });
    expect(sorted(seen.map((m) => m.value))).toEqual(sorted(values));
    expect(duplicates(seen.map((m) => m.value)).size).toBe(0);
  });
});
