import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isNightjarError } from '../../../src/errors/index.js';
import { silentLogger } from '../../../src/log/logger.js';
import { ensureRunning, localStatus, stopService, type LocalService } from '../../../src/services/lifecycle.js';
import { isOurProcess, readPidFile, writePidFile } from '../../../src/services/process.js';

const logger = silentLogger();
const dirs: string[] = [];
const pids: number[] = [];
const servers: Server[] = [];

afterEach(async () => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Pids whose command line contains text (Linux /proc). */
function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** A stand-in service: a real detached node process whose command line carries the marker. */
function fakeService(options: { healthy?: () => boolean; script?: string; ports?: { setting: string; port: number }[] } = {}): LocalService & { launches: number } {
  const dir = mkdtempSync(join(tmpdir(), 'nightjar-lifecycle-'));
  dirs.push(dir);
  const marker = join(dir, 'fake.conf');
  const service = {
    launches: 0,
    name: 'fake',
    endpoint: 'nowhere',
    ports: options.ports ?? [],
    pidFile: join(dir, 'fake.pid'),
    logFile: join(dir, 'fake.log'),
    outputFile: join(dir, 'stdout.log'),
    marker,
    install: async () => undefined,
    prepare: async () => {
      service.launches += 1;
      return { command: process.execPath, args: ['-e', options.script ?? 'setInterval(() => {}, 1000)', marker] };
    },
    healthy: async () => (options.healthy ?? (() => true))(),
  };
  return service;
}

describe('ensureRunning', () => {
  it('launches once; a second call finds the same process and launches nothing', async () => {
    const service = fakeService();
    const first = await ensureRunning(service, 5_000, logger);
    pids.push(first.pid!);
    expect(first.started).toBe(true);
    expect(readPidFile(service.pidFile)).toBe(first.pid);
    expect(isOurProcess(first.pid!, service.marker)).toBe(true);

    const second = await ensureRunning(service, 5_000, logger);
    expect(second).toEqual({ name: 'fake', pid: first.pid, started: false });
    expect(service.launches).toBe(1);
  });

  it('throws SERVICE_START_TIMEOUT naming the log file, and leaves no process behind', async () => {
    const service = fakeService({ healthy: () => false });
    const error = await ensureRunning(service, 600, logger).catch((err: unknown) => err);
    expect(isNightjarError(error, 'SERVICE_START_TIMEOUT')).toBe(true);
    expect((error as Error).message).toContain(service.logFile);
    expect((error as Error).message).toContain('services.startTimeoutMs');
    expect(existsSync(service.pidFile)).toBe(false);
    expect(processesWith(service.marker)).toEqual([]);
  });

  it('reports a process that exits while starting as SERVICE_START_FAILED', async () => {
    const service = fakeService({ healthy: () => false, script: 'process.exit(3)' });
    const error = await ensureRunning(service, 10_000, logger).catch((err: unknown) => err);
    expect(isNightjarError(error, 'SERVICE_START_FAILED')).toBe(true);
    expect((error as Error).message).toContain(service.outputFile);
  });

  it('refuses to start when a port is taken by another process, naming the setting', async () => {
    const server = createServer();
    servers.push(server);
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    const service = fakeService({ ports: [{ setting: 'kafka.port (NIGHTJAR_KAFKA_PORT)', port }] });
    const error = await ensureRunning(service, 2_000, logger).catch((err: unknown) => err);
    expect(isNightjarError(error, 'SERVICE_PORT_IN_USE')).toBe(true);
    expect((error as Error).message).toContain('kafka.port (NIGHTJAR_KAFKA_PORT)');
    expect(service.launches).toBe(0);
  });
});

describe('stopService', () => {
  it('stops the process of its pid file and removes the file', async () => {
    const service = fakeService();
    const { pid } = await ensureRunning(service, 5_000, logger);
    pids.push(pid!);
    expect(await stopService(service, 5_000, logger)).toBe('stopped');
    expect(isOurProcess(pid!, service.marker)).toBe(false);
    expect(existsSync(service.pidFile)).toBe(false);
    expect((await localStatus(service)).running).toBe(false);
  });

  it('never signals a process that is not ours, even when the pid file names it', async () => {
    const service = fakeService();
    writePidFile(service.pidFile, process.pid); // a reused pid: this test runner, without the marker
    expect(await stopService(service, 1_000, logger)).toBe('not running');
    expect(existsSync(service.pidFile)).toBe(false);
    expect((await localStatus(service)).pid).toBeNull();
  });
});
