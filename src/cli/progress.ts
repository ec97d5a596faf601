/**
 * A one-line progress report on stderr: redrawn in place on a terminal (a bar when the total is
 * known), plain lines at most every `intervalMs` otherwise, so logs and CI output stay readable.
 */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressState {
  done: number;
  failed: number;
  bytes: number;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  output?: ProgressOutput;
  intervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 30;

export class Progress {
  private readonly output: ProgressOutput;
  private readonly tty: boolean;
  private readonly started: number;
  private lastDrawn = Number.NEGATIVE_INFINITY;
  private state: ProgressState = { done: 0, failed: 0, bytes: 0 };

  constructor(private readonly options: ProgressOptions) {
    this.output = options.output ?? process.stderr;
    this.tty = this.output.isTTY === true;
    this.started = this.now();
  }

  update(state: ProgressState): void {
    this.state = state;
    const interval = this.options.intervalMs ?? (this.tty ? 100 : 5_000);
    if (this.now() - this.lastDrawn < interval) return;
    this.draw();
  }

  /** Draws the final state and ends the line. */
  finish(): void {
    this.draw();
    if (this.tty) this.output.write('\n');
  }

  /** The text of the current line, without terminal control characters. */
  line(): string {
    const { done, failed, bytes } = this.state;
    const seconds = Math.max((this.now() - this.started) / 1000, 1e-3);
    const rate = `${(done / seconds).toFixed(1)}/s`;
    const count = this.options.total === undefined ? `${done}` : `${bar(done, this.options.total)} ${done}/${this.options.total}`;
    const failures = failed > 0 ? `, ${failed} failed` : '';
    return `${this.options.label}: ${count} (${formatBytes(bytes)}, ${rate}${failures})`;
  }

  private draw(): void {
    this.lastDrawn = this.now();
    this.output.write(this.tty ? `\r\x1b[2K${this.line()}` : `${this.line()}\n`);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH)) : BAR_WIDTH;
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
}
