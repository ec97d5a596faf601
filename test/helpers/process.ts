import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registerCleanup } from './cleanup.js';
import { waitFor } from './wait.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A TypeScript script run in its own Node process through tsx, so tests can crash it (SIGKILL)
 * or ask it to stop (SIGTERM) like an orchestrator would. Killed at the end of the test if still alive.
 */
export class ScriptProcess {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private readonly child: ChildProcess;
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(script: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (text: string) => this.stdout.push(...text.split('\n').filter(Boolean)));
    this.child.stderr!.setEncoding('utf8').on('data', (text: string) => this.stderr.push(text));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    registerCleanup(async () => void (await this.kill('SIGKILL')));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for a line on stdout (e.g. a readiness line the script prints). */
  async waitForLine(line: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (!this.running && !this.stdout.includes(line)) throw new Error(`script exited before printing "${line}": ${this.stderr.join('').slice(-2_000)}`);
        return this.stdout.includes(line);
      },
      { timeoutMs, message: `"${line}" from the script` },
    );
  }

  /** Sends the signal and waits for the process to end. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) this.child.kill(signal);
    return this.exited;
  }

  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exited;
  }
}
