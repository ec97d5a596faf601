import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Cooperative slicing for long builds on the event loop: a loop calls `tick()` often (cheap),
 * and every so often `tick` returns true, the loop awaits `pause()`, and Kafka fetches,
 * heartbeats and alert batches get their turn. `longestMs` is the longest stretch between two
 * pauses, the figure that bounds how long a build can stall the stream.
 */
export class TimeSlicer {
  longestMs = 0;
  private last = performance.now();
  private count = 0;

  constructor(
    private readonly sliceMs = 8,
    private readonly checkEvery = 2_048,
  ) {}

  /**
   * True when the current slice has run its time and the caller should `await pause()`.
   * `weight` counts an expensive iteration (e.g. a disc query) as that many cheap ones.
   */
  tick(weight = 1): boolean {
    this.count += weight;
    if (this.count < this.checkEvery) return false;
    this.count = 0;
    return performance.now() - this.last >= this.sliceMs;
  }

  async pause(): Promise<void> {
    this.record();
    await yieldToLoop();
    this.last = performance.now();
  }

  /** Closes the current slice (at the end of a build) so it counts in longestMs. */
  record(): void {
    this.longestMs = Math.max(this.longestMs, performance.now() - this.last);
  }
}
