import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';

/**
 * Process plumbing of the launcher: detached children, pid files, liveness and a polite stop.
 * A pid file alone is not trusted: pids are reused, so a process counts as ours only while its
 * command line still contains a marker unique to this state directory (the service's own config
 * path). Stop never signals anything else.
 */

export interface DetachedOptions {
  /** stdout and stderr of the child are appended here (crash output the service's own log misses). */
  outputFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Starts a process that outlives this one: own session, no pipes to us, not waited for. */
export function spawnDetached(command: string, args: readonly string[], options: DetachedOptions): number {
  mkdirSync(dirname(options.outputFile), { recursive: true });
  const out = openSync(options.outputFile, 'a');
  try {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, detached: true, stdio: ['ignore', out, out] });
    child.on('error', () => undefined); // reported through the health check and the output file
    child.unref();
    if (child.pid === undefined) throw new Error(`${command} could not be started`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export function readPidFile(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

export function writePidFile(file: string, pid: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${pid}\n`);
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true });
}

/** True while pid exists, is not a zombie, and (where /proc exists) its command line contains marker. */
export function isOurProcess(pid: number, marker: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    // EPERM: it exists but belongs to someone else, so it is not ours either.
    return false;
  }
  if (!existsSync('/proc')) return true;
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    if (state === 'Z' || state === 'X') return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    return false;
  }
}

/** The pid from the pid file if that process is still ours; a stale file is removed. */
export function runningPid(pidFile: string, marker: string): number | null {
  const pid = readPidFile(pidFile);
  if (pid === null) return null;
  if (isOurProcess(pid, marker)) return pid;
  removePidFile(pidFile);
  return null;
}

/**
 * SIGTERM, wait up to graceMs for the process to go, then SIGKILL. Signals the process group
 * the launcher created (detached children lead their own group), so helpers it forked go too.
 */
export async function terminate(pid: number, marker: string, graceMs: number): Promise<'terminated' | 'killed' | 'gone'> {
  if (!isOurProcess(pid, marker)) return 'gone';
  signalGroup(pid, 'SIGTERM');
  if (await waitUntil(() => !isOurProcess(pid, marker), graceMs)) return 'terminated';
  signalGroup(pid, 'SIGKILL');
  await waitUntil(() => !isOurProcess(pid, marker), 5_000);
  return 'killed';
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Polls check every intervalMs until it is true (→ true) or timeoutMs passed (→ false). */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, Math.max(0, deadline - Date.now()))));
  }
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (inUse: boolean) => {
      socket.destroy();
      resolve(inUse);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
