import type { Logger } from '../log/logger.js';
import { NightjarError } from '../errors/index.js';
import { portInUse, removePidFile, runningPid, spawnDetached, terminate, waitUntil, writePidFile, isOurProcess } from './process.js';

/** A service the launcher installs, starts and stops itself (kafka-local.ts, clickhouse-local.ts). */
export interface LocalService {
  readonly name: string;
  /** What clients connect to, e.g. `127.0.0.1:9092`. */
  readonly endpoint: string;
  /** Ports it binds, with the setting that chooses each (named in the error when one is taken). */
  readonly ports: readonly { setting: string; port: number }[];
  readonly pidFile: string;
  /** The service's own log. */
  readonly logFile: string;
  /** stdout and stderr of the process (JVM crashes, early start-up failures). */
  readonly outputFile: string;
  /** Text of its command line unique to this state directory, so a reused pid is never taken for it. */
  readonly marker: string;
  /** Fetches what is missing (packages, jars); quick when everything is there. */
  install(logger: Logger): Promise<void>;
  /** Writes its configuration and prepares storage; returns the command to run. */
  prepare(logger: Logger): Promise<{ command: string; args: string[]; env?: NodeJS.ProcessEnv }>;
  /** One health probe that answers within a few seconds and never throws. */
  healthy(): Promise<boolean>;
}

/** A service configured to exist elsewhere (NIGHTJAR_KAFKA_BROKERS, NIGHTJAR_CLICKHOUSE_URL). */
export interface ExternalService {
  readonly name: string;
  readonly endpoint: string;
  healthy(): Promise<boolean>;
}

export interface ServiceStatus {
  name: string;
  mode: 'local' | 'external';
  /** A process from our pid file is alive (always false for external services). */
  running: boolean;
  healthy: boolean;
  pid: number | null;
  endpoint: string;
  logFile: string | null;
}

export interface StartResult {
  name: string;
  pid: number | null;
  /** True when this call launched the process; false when it was running already or is external. */
  started: boolean;
}

/**
 * Makes a local service run and answer its health check: reuses the process of our pid file when
 * it is alive, otherwise installs, prepares and launches it detached. A process that exits or does
 * not answer within timeoutMs is stopped and reported with the log to read.
 */
export async function ensureRunning(service: LocalService, timeoutMs: number, logger: Logger): Promise<StartResult> {
  const existing = runningPid(service.pidFile, service.marker);
  if (existing !== null) {
    if (await waitUntil(() => service.healthy(), timeoutMs, 500)) {
      logger.info({ serviceName: service.name, pid: existing }, 'already running');
      return { name: service.name, pid: existing, started: false };
    }
    throw startTimeout(service, timeoutMs, `is running (pid ${existing}) but did not answer its health check`);
  }
  await refuseTakenPorts(service);
  await service.install(logger);
  const { command, args, env } = await service.prepare(logger);
  const pid = spawnDetached(command, args, { outputFile: service.outputFile, env });
  writePidFile(service.pidFile, pid);
  logger.info({ serviceName: service.name, pid, log: service.logFile }, 'starting');
  await awaitHealthy(service, pid, timeoutMs);
  logger.info({ serviceName: service.name, pid, endpoint: service.endpoint }, 'healthy');
  return { name: service.name, pid, started: true };
}

/** Waits until an external service answers; it is not ours to start. */
export async function ensureReachable(service: ExternalService, timeoutMs: number, logger: Logger): Promise<StartResult> {
  if (!(await waitUntil(() => service.healthy(), timeoutMs, 500))) {
    const code = service.name === 'kafka' ? 'KAFKA_UNAVAILABLE' : 'CLICKHOUSE_UNAVAILABLE';
    throw new NightjarError(code, `${service.name} at ${service.endpoint} (configured, so not started locally) did not answer within ${timeoutMs} ms`, {
      details: { service: service.name, endpoint: service.endpoint },
    });
  }
  logger.info({ serviceName: service.name, endpoint: service.endpoint }, 'external service reachable');
  return { name: service.name, pid: null, started: false };
}

/** Stops the process of our pid file (SIGTERM, then SIGKILL after graceMs) and removes the file. */
export async function stopService(service: LocalService, graceMs: number, logger: Logger): Promise<'stopped' | 'not running'> {
  const pid = runningPid(service.pidFile, service.marker);
  if (pid === null) {
    removePidFile(service.pidFile);
    return 'not running';
  }
  const outcome = await terminate(pid, service.marker, graceMs);
  removePidFile(service.pidFile);
  logger.info({ serviceName: service.name, pid, outcome }, 'stopped');
  return 'stopped';
}

export async function localStatus(service: LocalService): Promise<ServiceStatus> {
  const pid = runningPid(service.pidFile, service.marker);
  return { name: service.name, mode: 'local', running: pid !== null, healthy: await service.healthy(), pid, endpoint: service.endpoint, logFile: service.logFile };
}

export async function externalStatus(service: ExternalService): Promise<ServiceStatus> {
  return { name: service.name, mode: 'external', running: false, healthy: await service.healthy(), pid: null, endpoint: service.endpoint, logFile: null };
}

async function awaitHealthy(service: LocalService, pid: number, timeoutMs: number): Promise<void> {
  let exited = false;
  const ready = await waitUntil(async () => {
    exited = !isOurProcess(pid, service.marker);
    return exited || (await service.healthy());
  }, timeoutMs, 300);
  if (ready && !exited) return;
  await terminate(pid, service.marker, 5_000);
  removePidFile(service.pidFile);
  if (exited) {
    throw new NightjarError('SERVICE_START_FAILED', `${service.name} exited while starting; see ${service.logFile} and ${service.outputFile}`, {
      details: { serviceName: service.name, logFile: service.logFile, outputFile: service.outputFile },
    });
  }
  throw startTimeout(service, timeoutMs, 'did not answer its health check');
}

function startTimeout(service: LocalService, timeoutMs: number, what: string): NightjarError {
  return new NightjarError(
    'SERVICE_START_TIMEOUT',
    `${service.name} ${what} within ${timeoutMs} ms (services.startTimeoutMs); see ${service.logFile} and ${service.outputFile}`,
    { details: { serviceName: service.name, logFile: service.logFile, outputFile: service.outputFile, timeoutMs } },
  );
}

async function refuseTakenPorts(service: LocalService): Promise<void> {
  for (const { setting, port } of service.ports) {
    if (await portInUse(port)) {
      throw new NightjarError(
        'SERVICE_PORT_IN_USE',
        `cannot start ${service.name}: port ${port} (${setting}) is taken by a process the launcher did not start; stop it, choose another port, or point Nightjar at it as an existing service`,
        { details: { serviceName: service.name, port, setting } },
      );
    }
  }
}
