import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { createWorker, type Worker } from '../../src/cli/roles.js';
import { envName, type Config } from '../../src/config/index.js';
import { compileFilter } from '../../src/filter/lang/index.js';
import { FilterStore } from '../../src/filter/store.js';
import { userTopic } from '../../src/filter/model.js';
import { expressionErrors } from '../../src/filter/lang-matcher.js';
import { AnnotateState } from '../../src/annotate/state.js';
import { syntheticAlerts } from '../../src/ingest/synthetic.js';
import { loadRubinSchemas } from '../../src/ingest/wire.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { consumeAll, registerCleanup, ScriptProcess, testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic, expectedAlerts, sampleMessages, streamTopic, type SurveyMessage } from './support/alerts.js';

/** Topics of one isolated Nightjar deployment on the shared test broker. */
async function deployment(kit: KafkaKit): Promise<Config> {
  return testConfig({
    topics: {
      input: [await streamTopic(kit, 'f-input', 3)],
      enriched: await streamTopic(kit, 'f-enriched', 3),
      deadLetter: await streamTopic(kit, 'f-dlq'),
      filters: await compactedTopic(kit, 'f-filters'),
      models: await compactedTopic(kit, 'f-models'),
      notices: await kit.createTopic({ prefix: 'f-notices' }),
    },
    runner: { instanceId: uniqueName('f'), groupPrefix: uniqueName('f') },
  });
}

/** What `nightjar filter run` predicts: the expression evaluated on the alerts as the worker annotates them. */
async function predict(expression: string, messages: SurveyMessage[], config: Config, kit: KafkaKit, owner: string): Promise<string[]> {
  const alerts: Alert[] = await expectedAlerts(messages, config);
  const annotate = await AnnotateState.create(config, kit.kafka, silentLogger());
  annotate.annotate(alerts);
  await annotate.stop();
  const compiled = compileFilter(expression);
  return alerts.filter((a) => compiled.evaluate(a, { owner })).map((a) => a.alertId).sort();
}

function alertIds(messages: { value: string | null }[]): string[] {
  return messages.map((m) => JSON.parse(m.value!).alert.alertId as string).sort();
}

/**
 * A deployment of its own with one owner's active `mag < 19.5` filter, 400 synthetic ZTF alerts
 * (not yet produced) and the alert ids the filter matches among them.
 */
async function oneFilterDeployment(kit: KafkaKit, name: string, seed: number): Promise<{ config: Config; owner: string; synthetic: SurveyMessage[]; expected: string[] }> {
  const config = await deployment(kit);
  const owner = uniqueName(name).replace(/[^a-z0-9_-]/g, '');
  registerCleanup(() => kit.admin.deleteTopics({ topics: [userTopic(owner)] }).catch(() => undefined));
  const store = new FilterStore(kit.kafka, config, silentLogger(), expressionErrors);
  registerCleanup(() => store.stop());
  await store.start();
  const expression = 'mag < 19.5';
  await store.create({ id: `${owner}-f`, owner, expression });
  await store.activate(`${owner}-f`, owner);
  const synthetic: SurveyMessage[] = [];
  for await (const a of syntheticAlerts({ survey: 'ztf', count: 400, seed, rubinSchemas: loadRubinSchemas() })) synthetic.push({ key: a.key, value: a.value });
  return { config, owner, synthetic, expected: await predict(expression, synthetic, config, kit, owner) };
}

describe('filters end to end', () => {
  let kit: KafkaKit;
  let config: Config;
  let worker: Worker;
  let store: FilterStore;
  let messages: SurveyMessage[];

  beforeAll(async () => {
    kit = await withKafka(testConfig());
    config = await deployment(kit);
    worker = await createWorker({ config, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), kafka: kit.kafka });
    store = new FilterStore(kit.kafka, config, silentLogger(), expressionErrors);
    await store.start();
    messages = await sampleMessages();
  });

  afterAll(async () => {
    await worker?.stop();
    await store?.stop();
  });

  it('delivers exactly the predicted matches to the owner topic, and a new version takes effect without restart', async () => {
    const owner = uniqueName('ada').replace(/[^a-z0-9_-]/g, '');
    registerCleanup(() => kit.admin.deleteTopics({ topics: [userTopic(owner)] }).catch(() => undefined));
    const v1 = 'isPositive and mag < 19';
    await store.create({ id: `${owner}-f`, owner, expression: v1 });
    await store.activate(`${owner}-f`, owner);
    await waitFor(() => worker.filters.stats(`${owner}-f`) !== undefined, { timeoutMs: 15_000, message: 'worker loaded the filter' });

    const expected1 = await predict(v1, messages, config, kit, owner);
    expect(expected1.length).toBeGreaterThan(3);
    await kit.producer.send({ topic: config.topics.input[0]!, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    const first = await consumeAll(kit.kafka, userTopic(owner), { count: expected1.length, timeoutMs: 90_000, settleMs: 3_000 });
    expect(alertIds(first)).toEqual(expected1);
    const body = JSON.parse(first[0]!.value!);
    expect(body.filter).toMatchObject({ id: `${owner}-f`, version: 1, owner });
    expect(first[0]!.key).toBe(body.alert.objectId);
    expect(first[0]!.headers['nightjar-filter-version']!.toString()).toBe('1');

    // version 2: only Rubin; the worker swaps it in while running
    const v2 = 'survey == "lsst" and isPositive';
    await store.addVersion(`${owner}-f`, owner, v2);
    await store.activate(`${owner}-f`, owner);
    await waitFor(() => worker.filters.stats(`${owner}-f`) !== undefined && store.get(`${owner}-f`)?.activeVersion === 2, { timeoutMs: 15_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // the worker follows the same topic
    const expected2 = await predict(v2, messages, config, kit, owner);
    await kit.producer.send({ topic: config.topics.input[0]!, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    const all = await consumeAll(kit.kafka, userTopic(owner), { count: expected1.length + expected2.length, timeoutMs: 90_000, settleMs: 3_000 });
    const second = all.filter((m) => JSON.parse(m.value!).filter.version === 2);
    expect(alertIds(second)).toEqual(expected2);
    expect(all.length).toBe(expected1.length + expected2.length);
  });

  it('pauses a match-all filter with a notice (runaway guard)', async () => {
    const guarded = await deployment(kit);
    const small = testConfig({ ...guarded, filters: { runawayWindow: 10, runawayShare: 0.5 } });
    const w = await createWorker({ config: small, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), kafka: kit.kafka });
    registerCleanup(() => w.stop());
    const owner = uniqueName('greedy').replace(/[^a-z0-9_-]/g, '');
    registerCleanup(() => kit.admin.deleteTopics({ topics: [userTopic(owner)] }).catch(() => undefined));
    const s = new FilterStore(kit.kafka, small, silentLogger(), expressionErrors);
    registerCleanup(() => s.stop());
    await s.start();
    await s.create({ id: `${owner}-all`, owner, expression: 'exists(mag) or not exists(mag)' });
    await s.activate(`${owner}-all`, owner);
    await waitFor(() => w.filters.stats(`${owner}-all`) !== undefined, { timeoutMs: 15_000 });
    await kit.producer.send({ topic: small.topics.input[0]!, acks: -1, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
    await waitFor(() => s.get(`${owner}-all`)?.state === 'paused', { timeoutMs: 60_000, message: 'runaway filter paused' });
    expect(s.get(`${owner}-all`)!.pausedReason).toMatch(/matched .*% of the last 10 alerts/);
    const notices = await consumeAll(kit.kafka, small.topics.notices, { count: 1, timeoutMs: 30_000 });
    expect(notices.map((n) => JSON.parse(n.value!).kind)).toContain('runaway-paused');
    const delivered = await consumeAll(kit.kafka, userTopic(owner), { count: 11, timeoutMs: 5_000 });
    expect(delivered.length).toBeLessThanOrEqual(10); // nothing after the trip
  });

  it('limits matches on the stream\'s clock: a worker catching up on a backlog that arrived under the rate drops none', async () => {
    const { config: backlog, owner, synthetic, expected } = await oneFilterDeployment(kit, 'kim', 11);
    expect(backlog.filters.maxMatchesPerSecond).toBe(200);
    expect(expected.length).toBeGreaterThan(300); // more than the limit lets through in one second

    // The stream arrives at ≈ 100 alerts/s while no worker runs...
    for (let i = 0; i < synthetic.length; i += 10) {
      await kit.producer.send({ topic: backlog.topics.input[0]!, acks: -1, messages: synthetic.slice(i, i + 10).map((m) => ({ key: m.key, value: m.value })) });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // ...then one starts and reads the backlog far faster than 200 matches/s: none is over the rate.
    const late = await createWorker({ config: backlog, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), kafka: kit.kafka });
    registerCleanup(() => late.stop());
    const seen = await consumeAll(kit.kafka, userTopic(owner), { count: expected.length, timeoutMs: 60_000, settleMs: 2_000 });
    expect(alertIds(seen)).toEqual(expected);
    const notices = await consumeAll(kit.kafka, backlog.topics.notices, { count: 1, timeoutMs: 2_000, settleMs: 0 });
    expect(notices.map((n) => JSON.parse(n.value!).kind)).not.toContain('rate-limited');
  });

  it('gives a read_committed consumer every match exactly once across a SIGKILL of the worker', async () => {
    const { config: crash, owner, synthetic, expected } = await oneFilterDeployment(kit, 'eve', 7);
    expect(expected.length).toBeGreaterThan(50);

    const env: Record<string, string> = {
      [envName('topics.input')]: crash.topics.input.join(','),
      [envName('topics.enriched')]: crash.topics.enriched,
      [envName('topics.deadLetter')]: crash.topics.deadLetter,
      [envName('topics.filters')]: crash.topics.filters,
      [envName('topics.models')]: crash.topics.models,
      [envName('topics.notices')]: crash.topics.notices,
      [envName('runner.instanceId')]: crash.runner.instanceId,
      [envName('runner.groupPrefix')]: crash.runner.groupPrefix,
      [envName('runner.batchSize')]: '20',
      // The owner's match-rate limit drops matches on purpose (with a notice); a restart catching up
      // at full speed would trip it, and this test is about the transaction, not the limit.
      [envName('filters.maxMatchesPerSecond')]: '1000000',
      [envName('log.level')]: 'warn',
    };
    const first = new ScriptProcess('test/integration/fixtures/worker-process.ts', env);
    await first.waitForLine('started', 120_000);
    await kit.producer.send({ topic: crash.topics.input[0]!, acks: -1, messages: synthetic.map((m) => ({ key: m.key, value: m.value })) });
    // Kill it while it is working through the stream: some matches out, not all.
    await waitFor(async () => (await consumeAll(kit.kafka, userTopic(owner), { count: 1, timeoutMs: 200, settleMs: 0, readCommitted: false })).length > 0, { timeoutMs: 60_000, intervalMs: 50 });
    await first.kill('SIGKILL');

    const second = new ScriptProcess('test/integration/fixtures/worker-process.ts', env);
    await second.waitForLine('started', 120_000);
    const seen = await consumeAll(kit.kafka, userTopic(owner), { count: expected.length, timeoutMs: 120_000, settleMs: 3_000 });
    const ids = alertIds(seen);
    expect(new Set(ids).size).toBe(ids.length); // no duplicate
    expect(ids).toEqual(expected); // none missing
    // The enriched topic too: every synthetic alert exactly once, none lost to the crash.
    const enriched = await consumeAll(kit.kafka, crash.topics.enriched, { count: synthetic.length, timeoutMs: 60_000, settleMs: 2_000 });
    const enrichedIds = enriched.map((m) => JSON.parse(m.value!).alertId as string);
    expect(new Set(enrichedIds).size).toBe(synthetic.length);
    expect(enrichedIds.length).toBe(synthetic.length);
    await second.kill('SIGTERM');
  });
});
