import { describe, expect, it } from 'vitest';
import { NightjarError } from '../../../src/errors/index.js';
import { backoffDelay, isRetriable, retry, type RetryPolicy } from '../../../src/runner/retry.js';

const policy: RetryPolicy = { retries: 4, initialMs: 100, maxMs: 1_000 };

/** A fake clock: sleeps are recorded, never waited for. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

function failing(times: number, error: () => unknown) {
  let calls = 0;
  const fn = async () => {
    calls++;
    if (calls <= times) throw error();
    return 'ok';
  };
  return { fn, calls: () => calls };
}

const transient = () => new NightjarError('KAFKA_UNAVAILABLE', 'broker down');

describe('isRetriable', () => {
  it('follows the NightjarError catalogue flag and its per-instance override', () => {
    expect(isRetriable(new NightjarError('KAFKA_UNAVAILABLE', 'x'))).toBe(true);
    expect(isRetriable(new NightjarError('DECODE_TRUNCATED', 'x'))).toBe(false);
    expect(isRetriable(new NightjarError('INTERNAL', 'x', { retriable: true }))).toBe(true);
  });

  it('retries kafkajs-style errors that say retriable: true', () => {
    const kafkaError = Object.assign(new Error('leader not available'), { name: 'KafkaJSProtocolError', retriable: true });
    expect(isRetriable(kafkaError)).toBe(true);
    expect(isRetriable(Object.assign(new Error('fenced'), { retriable: false }))).toBe(false);
  });

  it('never retries programming errors, even when they claim to be retriable', () => {
    expect(isRetriable(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriable(Object.assign(new RangeError('bad length'), { retriable: true }))).toBe(false);
    expect(isRetriable(new Error('plain'))).toBe(false);
    expect(isRetriable('a string')).toBe(false);
  });
});

describe('backoffDelay', () => {
  it('doubles the ceiling each attempt up to maxMs, with full jitter below it', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
  });
});

describe('retry', () => {
  it('retries retriable failures with growing waits and returns the eventual result', async () => {
    const { waits, sleep } = recordingSleep();
    const { fn, calls } = failing(3, transient);
    const attempts: number[] = [];
    await expect(retry(fn, policy, { sleep, random: () => 0.5, onRetry: (_e, attempt) => attempts.push(attempt) })).resolves.toBe('ok');
    expect(calls()).toBe(4);
    expect(attempts).toEqual([1, 2, 3]);
    expect(waits).toEqual([50, 100, 200]);
  });

  it('gives up after `retries` further attempts and throws the last failure', async () => {
    const { waits, sleep } = recordingSleep();
    let n = 0;
    const fn = async () => {
      throw new NightjarError('KAFKA_UNAVAILABLE', `failure ${++n}`);
    };
    await expect(retry(fn, policy, { sleep })).rejects.toThrow('failure 5');
    expect(waits).toHaveLength(4);
  });

  it('throws a non-retriable failure at once, without waiting', async () => {
    const { waits, sleep } = recordingSleep();
    const { fn, calls } = failing(1, () => new TypeError('undefined is not a function'));
    await expect(retry(fn, policy, { sleep })).rejects.toBeInstanceOf(TypeError);
    expect(calls()).toBe(1);
    expect(waits).toEqual([]);
  });

  it('stops when the attempt bails, even on a retriable error', async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const error = transient();
    await expect(
      retry(async (_attempt, bail) => {
        calls++;
        bail(error);
      }, policy, { sleep }),
    ).rejects.toBe(error);
    expect(calls).toBe(1);
    expect(waits).toEqual([]);
  });

  it('throws the last failure instead of waiting once the signal aborts', async () => {
    const controller = new AbortController();
    const { fn, calls } = failing(10, transient);
    const sleep = async () => {
      controller.abort();
      throw new Error('aborted');
    };
    await expect(retry(fn, policy, { sleep, signal: controller.signal })).rejects.toThrow('broker down');
    expect(calls()).toBe(1);
  });

  it('makes one attempt when retries is 0', async () => {
    const { fn, calls } = failing(1, transient);
    await expect(retry(fn, { ...policy, retries: 0 }, { sleep: async () => undefined })).rejects.toThrow('broker down');
    expect(calls()).toBe(1);
  });
});
