import { afterEach, describe, expect, it } from 'vitest';
import '../../../src/kafka/client.js';
import { RequestQueue } from '../../../src/kafka/request-queue.js';

type Queue = InstanceType<typeof RequestQueue> & {
  push(request: { entry: Record<string, unknown>; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: null; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
};

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * kafkajs' per-connection request queue as Nightjar runs it (src/kafka/request-queue.ts, applied
 * when src/kafka/client.ts loads): no timer while nothing waits and no throttle is in effect, and
 * requests held back by the in-flight limit or a broker's throttle still go out.
 */
describe('kafkajs request queue timers', () => {
  const queues: Queue[] = [];
  const queue = (maxInFlightRequests: number | null = null): Queue => {
    const q = new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: '127.0.0.1:1', logger: silent }) as Queue;
    queues.push(q);
    return q;
  };
  let nextId = 1;
  const request = (sent: number[], expectResponse = true) => {
    const correlationId = nextId++;
    return { correlationId, pushed: { entry: { correlationId, apiName: 'Test', apiKey: 0, apiVersion: 0, resolve: () => undefined, reject: () => undefined }, expectResponse, sendRequest: () => sent.push(correlationId) } };
  };
  afterEach(() => {
    for (const q of queues.splice(0)) q.destroy();
  });

  it('schedules no check while nothing waits and nothing is throttled (kafkajs 2.2.4 re-armed one every millisecond)', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    const sent: number[] = [];
    const { correlationId, pushed } = request(sent);
    q.push(pushed);
    q.fulfillRequest({ correlationId, payload: null, size: 0 });
    expect(sent).toEqual([correlationId]);
    expect(q.throttleCheckTimeoutId).toBeNull();
  });

  it('sends a request held back by the in-flight limit once the one before it is answered', () => {
    const q = queue(1);
    const sent: number[] = [];
    const first = request(sent);
    const second = request(sent);
    q.push(first.pushed);
    q.push(second.pushed);
    expect(sent).toEqual([first.correlationId]);
    q.fulfillRequest({ correlationId: first.correlationId, payload: null, size: 0 });
    expect(sent).toEqual([first.correlationId, second.correlationId]);
  });

  it('sends a request held back by a broker throttle when the throttle ends, then stops checking', async () => {
    const q = queue();
    q.maybeThrottle(40);
    const sent: number[] = [];
    const { correlationId, pushed } = request(sent);
    q.push(pushed);
    expect(sent).toEqual([]);
    expect(q.throttleCheckTimeoutId).not.toBeNull();
    await sleep(25);
    expect(sent).toEqual([]);
    await sleep(60);
    expect(sent).toEqual([correlationId]);
    q.fulfillRequest({ correlationId, payload: null, size: 0 });
    expect(q.throttleCheckTimeoutId).toBeNull();
  });
});
