import { NightjarError } from '../errors/index.js';

export interface WaterMarks {
  /** At or above this many buffered items, intake pauses. */
  highWaterMark: number;
  /** At or below this many, paused intake resumes. */
  lowWaterMark: number;
}

/** What the caller must do to the consumer after a buffer operation. */
export type IntakeAction = 'pause' | 'resume' | 'none';

/**
 * The bounded FIFO between fetching and processing. It never refuses items (a fetched batch is
 * taken whole) but says `pause` once it holds highWaterMark or more, and `resume` once it has
 * drained to lowWaterMark; between the two marks it keeps its state (hysteresis), so the consumer
 * does not flap. While paused the caller must not push, so the buffer holds at most
 * highWaterMark − 1 + one fetched batch.
 */
export class IntakeBuffer<T> {
  private items: T[] = [];
  private head = 0;
  private pausedState = false;
  private peak = 0;
  private waiters: (() => void)[] = [];

  constructor(private readonly marks: WaterMarks) {
    if (!(marks.lowWaterMark < marks.highWaterMark)) {
      throw new NightjarError('CONFIG_INVALID', `runner.lowWaterMark (${marks.lowWaterMark}) must be below runner.highWaterMark (${marks.highWaterMark})`, {
        details: { setting: 'runner.lowWaterMark' },
      });
    }
  }

  get size(): number {
    return this.items.length - this.head;
  }

  get paused(): boolean {
    return this.pausedState;
  }

  /** The most items ever held at once. */
  get peakSize(): number {
    return this.peak;
  }

  push(items: readonly T[]): IntakeAction {
    for (const item of items) this.items.push(item);
    this.peak = Math.max(this.peak, this.size);
    if (items.length > 0) this.wake();
    if (!this.pausedState && this.size >= this.marks.highWaterMark) {
      this.pausedState = true;
      return 'pause';
    }
    return 'none';
  }

  /** Removes and returns up to max items from the front. */
  take(max: number): { items: T[]; action: IntakeAction } {
    const end = Math.min(this.items.length, this.head + max);
    const taken = this.items.slice(this.head, end);
    this.head = end;
    this.compact();
    return { items: taken, action: this.resumeIfDrained() };
  }

  /** Drops everything (e.g. after a rebalance, when the consumer re-fetches from committed offsets). */
  clear(): IntakeAction {
    this.items = [];
    this.head = 0;
    return this.resumeIfDrained();
  }

  /** Resolves once an item is buffered, or when the signal aborts. */
  waitForItems(signal: AbortSignal): Promise<void> {
    if (this.size > 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private resumeIfDrained(): IntakeAction {
    if (this.pausedState && this.size <= this.marks.lowWaterMark) {
      this.pausedState = false;
      return 'resume';
    }
    return 'none';
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Drops consumed slots once they are most of the array, so memory follows the live size. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
