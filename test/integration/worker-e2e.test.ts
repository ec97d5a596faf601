import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../src/alert/types.js';
import { createWorker, type Worker } from '../../src/cli/roles.js';
import type { Config } from '../../src/config/index.js';
import { DEAD_LETTER_HEADERS } from '../../src/publish/dead-letter.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { consumeAll, testConfig, uniqueName, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic, expectedAlerts, sampleMessages, streamTopic, type SurveyMessage } from './support/alerts.js';

/**
 * Real alerts, replayed in the surveys' wire formats, through a running worker: every good alert
 * comes out on the enriched topic exactly once (read_committed), annotated; every hostile message
 * ends on the dead-letter topic with its code while the alerts around it go through.
 */
describe('worker end to end', () => {
  let kit: KafkaKit;
  let config: Config;
  let worker: Worker;
  let messages: SurveyMessage[];
  let expected: Alert[];

  beforeAll(async () => {
    const base = testConfig();
    kit = await withKafka(base);
    const input = await kit.createTopic({ partitions: 3, prefix: 'e2e-input' });
    config = testConfig({
      topics: {
        input: [input],
        enriched: await streamTopic(kit, 'e2e-enriched', 3),
        deadLetter: await streamTopic(kit, 'e2e-dlq'),
        filters: await compactedTopic(kit, 'e2e-filters'),
        models: await compactedTopic(kit, 'e2e-models'),
        notices: await kit.createTopic({ prefix: 'e2e-notices' }),
      },
      runner: { instanceId: uniqueName('e2e'), groupPrefix: uniqueName('e2e') },
    });
    worker = await createWorker({ config, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), kafka: kit.kafka });
    messages = await sampleMessages();
    expected = await expectedAlerts(messages, config);
  });

  afterAll(async () => {
    await worker?.stop();
  });

  it('publishes every real alert once, annotated, and dead-letters hostile input without stopping', async () => {
    const hostile = [
      { key: 'empty', value: Buffer.alloc(0), code: 'DECODE_EMPTY' },
      { key: 'random', value: Buffer.from('this is not an alert at all, just text'), code: 'DECODE_UNKNOWN_FORMAT' },
      { key: 'truncated', value: messages[0]!.value.subarray(0, 2_000), code: 'DECODE_TRUNCATED' },
      { key: 'unknown-schema', value: Buffer.concat([Buffer.from([0, 0, 0, 0x7f, 0x7f]), Buffer.alloc(64, 1)]), code: 'DECODE_UNKNOWN_SCHEMA' },
    ];
    // Hostile messages between good ones, on the same partitions.
    const interleaved = messages.flatMap((m, i) => (i < hostile.length ? [m, hostile[i]!] : [m]));
    await kit.producer.send({ topic: config.topics.input[0]!, acks: -1, messages: interleaved.map((m) => ({ key: m.key, value: m.value })) });

    const enriched = await consumeAll(kit.kafka, config.topics.enriched, { count: expected.length, timeoutMs: 120_000, settleMs: 2_000 });
    // Exactly once: the same multiset of alert ids as the messages hold (the four simulated Rubin
    // samples, one per schema version, share one diaSourceId).
    const ids = enriched.map((m) => JSON.parse(m.value!).alertId as string);
    expect([...ids].sort()).toEqual(expected.map((a) => a.alertId).sort());
    for (const m of enriched) {
      const alert = JSON.parse(m.value!);
      expect(m.key).toBe(alert.objectId);
      expect(alert.xmatch.brightstars).toHaveProperty('count');
      expect(alert.lc).toHaveProperty('all');
      expect(alert.anomaly).toEqual({ score: null, model: null });
      expect(Array.isArray(alert.watchlist.hits)).toBe(true);
      expect(Array.isArray(alert.watchmap.hits)).toBe(true);
    }

    const dead = await consumeAll(kit.kafka, config.topics.deadLetter, { count: hostile.length, timeoutMs: 30_000 });
    const codes = dead.map((m) => m.headers[DEAD_LETTER_HEADERS.code]!.toString()).sort();
    expect(codes).toEqual(hostile.map((h) => h.code).sort());
    const truncated = dead.find((m) => m.headers[DEAD_LETTER_HEADERS.code]!.toString() === 'DECODE_TRUNCATED')!;
    expect(truncated.headers[DEAD_LETTER_HEADERS.topic]!.toString()).toBe(config.topics.input[0]);
  });

  it('keeps 64-bit ids exact from the wire to the enriched topic', async () => {
    const enriched = await consumeAll(kit.kafka, config.topics.enriched, { count: expected.length, timeoutMs: 60_000 });
    const rubin = enriched.map((m) => JSON.parse(m.value!)).filter((a) => a.survey === 'lsst');
    expect(rubin.map((a) => a.alertId)).toContain('170094456272322680');
    expect(rubin.map((a) => a.objectId)).toContain('281323062375219201');
  });
});
