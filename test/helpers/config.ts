import { loadConfig, type Config, type DeepPartial } from '../../src/config/index.js';

/**
 * The configuration tests run with: the environment (the integration global setup exports
 * NIGHTJAR_KAFKA_BROKERS and NIGHTJAR_CLICKHOUSE_URL), quiet logs, then the test's own overrides.
 */
export function testConfig(overrides: DeepPartial<Config> = {}): Config {
  return loadConfig({ overrides: { ...overrides, log: { level: 'silent', ...overrides.log } } });
}
