import { clickhouseUrl, kafkaBrokers, usesExternalClickHouse, usesExternalKafka, type Config } from '../config/index.js';
import type { Logger } from '../log/logger.js';
import { localClickHouse } from './clickhouse-local.js';
import { clickhouseAnswers, kafkaAnswers } from './health.js';
import { localKafka } from './kafka-local.js';
import {
  ensureReachable,
  ensureRunning,
  externalStatus,
  localStatus,
  stopService,
  type ExternalService,
  type LocalService,
  type ServiceStatus,
  type StartResult,
} from './lifecycle.js';

export type { ServiceStatus, StartResult } from './lifecycle.js';

/** How long stop waits after SIGTERM before SIGKILL (ms); Kafka's controlled shutdown takes a few seconds. */
const STOP_GRACE_MS = 30_000;

type Service = { kind: 'local'; service: LocalService } | { kind: 'external'; service: ExternalService };

/**
 * Kafka and ClickHouse as the configuration wants them: local ones the launcher manages, or
 * existing ones (kafka.brokers / clickhouse.url set) that it only checks.
 */
export function configuredServices(config: Config): Service[] {
  const kafka: Service = usesExternalKafka(config)
    ? { kind: 'external', service: { name: 'kafka', endpoint: kafkaBrokers(config).join(','), healthy: () => kafkaAnswers(kafkaBrokers(config)) } }
    : { kind: 'local', service: localKafka(config) };
  const { username, password } = config.clickhouse;
  const clickhouse: Service = usesExternalClickHouse(config)
    ? { kind: 'external', service: { name: 'clickhouse', endpoint: clickhouseUrl(config), healthy: () => clickhouseAnswers(clickhouseUrl(config), username, password) } }
    : { kind: 'local', service: localClickHouse(config) };
  return [kafka, clickhouse];
}

/**
 * Starts whatever local service is not running yet (installing what is missing) and waits until
 * every service, local or external, answers its health check. Idempotent: running services are
 * reused. Both start at once; the first failure is thrown after the other one settled.
 */
export async function startServices(config: Config, logger: Logger): Promise<StartResult[]> {
  const log = logger.child({ component: 'services' });
  const timeoutMs = config.services.startTimeoutMs;
  const outcomes = await Promise.allSettled(
    configuredServices(config).map(({ kind, service }) =>
      kind === 'local' ? ensureRunning(service, timeoutMs, log) : ensureReachable(service, timeoutMs, log),
    ),
  );
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<StartResult>).value);
}

/**
 * Stops the local services this launcher started (by their pid files), or only those named in
 * `only`; external ones are left alone.
 */
export async function stopServices(config: Config, logger: Logger, only?: readonly string[]): Promise<{ name: string; outcome: 'stopped' | 'not running' | 'external' }[]> {
  const log = logger.child({ component: 'services' });
  const chosen = configuredServices(config).filter(({ service }) => only === undefined || only.includes(service.name));
  return Promise.all(
    chosen.map(async ({ kind, service }) => ({
      name: service.name,
      outcome: kind === 'local' ? await stopService(service, STOP_GRACE_MS, log) : ('external' as const),
    })),
  );
}

export async function servicesStatus(config: Config): Promise<ServiceStatus[]> {
  return Promise.all(configuredServices(config).map(({ kind, service }) => (kind === 'local' ? localStatus(service) : externalStatus(service))));
}
