import { describe, expect, it } from 'vitest';
import { ModelFollower } from '../../src/annotate/models.js';
import { AnnotateState } from '../../src/annotate/state.js';
import { TrainerStage } from '../../src/annotate/trainer-stage.js';
import { alertToJSON } from '../../src/alert/json.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { StageRunner } from '../../src/runner/index.js';
import { registerCleanup, testConfig, uniqueName, waitFor, withKafka } from '../helpers/index.js';
import { compactedTopic, expectedAlerts, sampleMessages, streamTopic } from './support/alerts.js';

describe('anomaly models on the models topic', () => {
  it('the trainer publishes a model from the enriched stream and a running worker scores with it', async () => {
    const kit = await withKafka(testConfig());
    const config = testConfig({
      topics: { enriched: await streamTopic(kit, 'm-enriched', 1), models: await compactedTopic(kit, 'm-models') },
      anomaly: { minAlerts: 50, features: ['mag', 'snr', 'lc.all.ndet', 'lc.all.amplitude'] },
      runner: { groupPrefix: uniqueName('m'), instanceId: uniqueName('m') },
    });
    // A worker's annotate step, already running before any model exists.
    const annotate = await AnnotateState.create(config, kit.kafka, silentLogger());
    registerCleanup(() => annotate.stop());
    const alerts = await expectedAlerts(await sampleMessages(), config);
    annotate.annotate(alerts);
    expect(alerts.every((a) => a.anomaly?.score === null && a.anomaly?.model === null)).toBe(true);

    // The trainer role reads enriched alerts; 100 of them (the real ones, repeated) pass minAlerts.
    const models = new ModelFollower(kit.kafka, config, silentLogger());
    registerCleanup(() => models.stop());
    await models.start();
    const runner = new StageRunner({ stage: new TrainerStage(config, models, silentLogger()), kafka: kit.kafka, config, logger: silentLogger(), registry: createMetricsRegistry({ processMetrics: false }), groupId: `${config.runner.groupPrefix}-trainer`, topics: [config.topics.enriched] });
    registerCleanup(() => runner.stop());
    await runner.start();
    const enriched = Array.from({ length: 4 }, () => alerts).flat().map((a) => ({ key: a.objectId, value: JSON.stringify(alertToJSON(a, { cutouts: false })) }));
    for (let i = 0; i < enriched.length; i += 10) await kit.producer.send({ topic: config.topics.enriched, acks: -1, messages: enriched.slice(i, i + 10) });

    await waitFor(() => annotate.modelVersion() === 1, { timeoutMs: 60_000, message: 'the worker picked up model version 1' });
    const fresh = await expectedAlerts(await sampleMessages(), config);
    annotate.annotate(fresh);
    for (const a of fresh) {
      expect(a.anomaly!.model).toBe('eif-v1');
      expect(a.anomaly!.score).toBeGreaterThan(0);
      expect(a.anomaly!.score).toBeLessThan(1);
    }
  });
});
