import type { Config } from '../config/index.js';
import { NightjarError } from '../errors/index.js';

/** How hard to try: `retries` more attempts after the first, delays growing from initialMs to maxMs. */
export interface RetryPolicy {
  retries: number;
  initialMs: number;
  maxMs: number;
}

export interface RetryHooks {
  /** Waits ms, or rejects when the signal aborts. Injected so tests need no clock. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1); injected so tests can pin the jitter. */
  random?: () => number;
  /** Called before each wait with the failure, the attempt that failed (1-based) and the delay. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborting ends the retrying: the last failure is thrown instead of waiting again. */
  signal?: AbortSignal;
}

/** Stops retrying at once: `bail(err)` inside an attempt makes retry() throw err. */
export type Bail = (error: unknown) => never;

const PROGRAMMING_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

export function retryPolicy(config: Config): RetryPolicy {
  return { retries: config.runner.retries, initialMs: config.runner.retryInitialMs, maxMs: config.runner.retryMaxMs };
}

/**
 * Whether trying again can help. A NightjarError says so itself; kafkajs errors carry
 * `retriable`; a programming error (TypeError and friends) never heals by retrying, and anything
 * else unknown is not retried either, so a bug fails fast instead of looping.
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof NightjarError) return error.retriable;
  if (PROGRAMMING_ERRORS.some((kind) => error instanceof kind)) return false;
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

/** Full jitter: uniform between 0 and the exponential ceiling (AWS "full jitter"), so retrying clients spread out. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * Runs fn until it succeeds, a failure is not retriable, fn bails, the policy's attempts are
 * used up or the signal aborts; then throws the last failure unchanged.
 */
export async function retry<T>(fn: (attempt: number, bail: Bail) => Promise<T> | T, policy: RetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let attempt = 1; ; attempt++) {
    let bailed: { error: unknown } | null = null;
    const bail: Bail = (error) => {
      bailed = { error };
      throw error;
    };
    try {
      return await fn(attempt, bail);
    } catch (error) {
      if (bailed !== null) throw (bailed as { error: unknown }).error;
      if (!isRetriable(error) || attempt > policy.retries || hooks.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, policy, hooks.random);
      hooks.onRetry?.(error, attempt, delay);
      try {
        await sleep(delay, hooks.signal);
      } catch {
        throw error;
      }
    }
  }
}

/** setTimeout as a promise that rejects when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
