import { Kafka } from 'kafkajs';
import type { ApiServices } from '../../../src/api/context.js';
import { loadConfig, type Config } from '../../../src/config/index.js';
import { FilterStore } from '../../../src/filter/store.js';
import { silentLogger } from '../../../src/log/logger.js';
import type { KeyedState } from '../../../src/platform/state.js';
import { platformOf, type Platform } from '../../../src/platform/platform.js';
import { TokenStore, type TokenRecord } from '../../../src/platform/tokens.js';
import { UserStore, type UserRecord } from '../../../src/platform/users.js';

/** KeyedState over a Map: the stores' rules without Kafka. */
export class MemoryState<T> implements KeyedState<T> {
  readonly map = new Map<string, T>();
  get(key: string): T | undefined {
    return this.map.get(key);
  }
  values(): T[] {
    return [...this.map.values()];
  }
  async publish(key: string, value: T | null): Promise<void> {
    if (value === null) this.map.delete(key);
    else this.map.set(key, structuredClone(value));
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

export interface MemoryKit {
  config: Config;
  platform: Platform;
  services: ApiServices;
  now: { value: Date };
}

/**
 * Services for the routes that need no Kafka (auth, users, tokens, docs). The filter store is
 * never started: it answers "no such filter", which is all the auth-layer tests need.
 */
export function memoryServices(overrides: Partial<ApiServices> = {}): MemoryKit {
  const now = { value: new Date('2026-03-01T12:00:00Z') };
  const clock = () => now.value;
  const config = loadConfig({ env: {} });
  const platform = platformOf(new UserStore(new MemoryState<UserRecord>(), clock), new TokenStore(new MemoryState<TokenRecord>(), clock));
  const filters = new FilterStore(new Kafka({ brokers: ['127.0.0.1:1'] }), config, silentLogger(), () => []);
  const services: ApiServices = { platform, filters, tester: { prepare: async () => [] }, brokers: ['kafka.example:9092'], clock, ...overrides };
  return { config, platform, services, now };
}
