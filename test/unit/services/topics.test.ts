import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { existingInputTopics, inputTopics, topicPlan } from '../../../src/kafka/admin.js';

describe('topicPlan', () => {
  const config = loadConfig({ env: { NIGHTJAR_KAFKA_RETENTION_HOURS: '2' } });
  const plan = new Map(topicPlan(config).map((spec) => [spec.topic, spec]));

  it('compacts the platform state topics', () => {
    for (const key of ['users', 'tokens', 'filters', 'watchlists', 'jobs', 'models'] as const) {
      const spec = plan.get(config.topics[key])!;
      expect(spec.compacted, key).toBe(true);
      expect(spec.configEntries).toEqual([{ name: 'cleanup.policy', value: 'compact' }]);
    }
  });

  it('gives the survey inputs, enriched, dead-letter and notices topics the configured retention', () => {
    for (const key of ['ztf', 'lsst', 'enriched', 'deadLetter', 'notices'] as const) {
      const spec = plan.get(config.topics[key])!;
      expect(spec.compacted, key).toBe(false);
      expect(spec.configEntries).toContainEqual({ name: 'retention.ms', value: String(2 * 3_600_000) });
    }
  });

  it('lists a topic named by two settings once', () => {
    const same = loadConfig({ env: { NIGHTJAR_TOPICS_LSST: 'alerts', NIGHTJAR_TOPICS_ZTF: 'alerts' } });
    expect(topicPlan(same).filter((spec) => spec.topic === 'alerts')).toHaveLength(1);
  });
});

describe('input topics', () => {
  const config = loadConfig({ overrides: { topics: { input: ['lsst-alerts', '/^ztf_2026\\d{4}_programid1$/'] } } });

  it('turns /pattern/ entries into regular expressions and keeps names', () => {
    expect(inputTopics(config)).toEqual(['lsst-alerts', /^ztf_2026\d{4}_programid1$/]);
  });

  it('picks, sorted, the named topics that exist and the existing topics a pattern matches', () => {
    const existing = ['ztf_20261126_programid1', 'ztf_20261126_programid2', 'nightjar.enriched', 'ztf_20261125_programid1', 'other'];
    expect(existingInputTopics(config, existing)).toEqual(['ztf_20261125_programid1', 'ztf_20261126_programid1']);
    expect(existingInputTopics(config, [...existing, 'lsst-alerts'])).toEqual(['lsst-alerts', 'ztf_20261125_programid1', 'ztf_20261126_programid1']);
  });
});
