import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { NightjarError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';

/** Debian puts server binaries in sbin, which is not on every user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/local/sbin', '/sbin'];

/** Absolute path of an executable on PATH (or in sbin), or null. */
export function findExecutable(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of [...path.split(delimiter).filter(Boolean), ...EXTRA_DIRS]) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface RunResult {
  code: number;
  output: string;
}

/** Runs a command to completion, collecting stdout and stderr together (kept for error messages). */
export function runCommand(command: string, args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', (err) => resolve({ code: -1, output: err.message }));
    child.once('close', (code) => resolve({ code: code ?? -1, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

/** The last lines of a command's output: what explains a failure without flooding the terminal. */
export function tail(output: string, lines = 15): string {
  return output.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Installs Debian packages non-interactively. The package lists may be missing or stale on a fresh
 * machine, so a failed install is retried once after `apt-get update`. Needs root, or sudo
 * without a password.
 */
export async function aptInstall(packages: readonly string[], logger: Logger): Promise<void> {
  const aptGet = findExecutable('apt-get');
  if (!aptGet) throw installFailed(packages, 'apt-get is not available; install them with the system package manager');
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => runAs(asRoot, aptGet, ['install', '-y', '--no-install-recommends', ...packages], env);
  logger.info({ packages }, 'installing packages with apt-get');
  let result = await install();
  if (result.code !== 0) {
    logger.info('apt-get install failed; updating the package lists and trying again');
    const update = await runAs(asRoot, aptGet, ['update'], env);
    if (update.code !== 0) throw installFailed(packages, `apt-get update failed:\n${tail(update.output)}`);
    result = await install();
  }
  if (result.code !== 0) throw installFailed(packages, `apt-get install failed:\n${tail(result.output)}`);
}

function runAs(prefix: readonly string[], command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<RunResult> {
  return prefix.length === 0 ? runCommand(command, args, { env }) : runCommand(prefix[0]!, [...prefix.slice(1), command, ...args], { env });
}

export function installFailed(what: readonly string[] | string, why: string): NightjarError {
  const name = typeof what === 'string' ? what : what.join(', ');
  return new NightjarError('SERVICE_INSTALL_FAILED', `could not install ${name}: ${why}`, { details: { what: name } });
}
