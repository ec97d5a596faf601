import { afterAll, onTestFinished } from 'vitest';

/**
 * Runs fn when the current test finishes, or, called outside a test (at file or describe level),
 * after all tests of the file. Inside a test, cleanups run in reverse order of registration, so
 * what was opened first is closed last.
 */
export function registerCleanup(fn: () => Promise<void> | void): void {
  try {
    onTestFinished(fn);
  } catch {
    afterAll(fn);
  }
}
