import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 (the last release) keeps a timer running on every broker connection: after each
 * check of its queue of requests waiting to be sent, the connection schedules the next check
 * even when nothing waits and no throttle is in effect, with a negative delay, which Node runs
 * after 1 ms. Every connection of every producer, consumer and admin client thus wakes the
 * process about a thousand times a second for nothing (tulios/kafkajs#1556, #1704; unfixed
 * upstream). That was most of what an idle Nightjar process cost (≈ 5 % of a core for the api
 * role) and ran through every busy one too.
 *
 * The replacement below schedules a check only when it can be needed: requests are waiting (as
 * before, after the throttle or after 10 ms), or a throttle is in effect (at its end). With
 * nothing waiting and no throttle there is nothing to check: a request that cannot go out at
 * once is queued by push(), which schedules a check itself, and each response or timeout checks
 * the queue again.
 */

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** How long kafkajs waits before looking again at requests held back only by the in-flight limit (ms); its own constant. */
const RECHECK_MS = 10;

const require = createRequire(import.meta.url);
/** The connection request queue class of the kafkajs that `import 'kafkajs'` loads (the same module instance). */
export const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals; new (options: Record<string, unknown>): RequestQueueInternals };

function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId) return;
  const untilUnthrottled = this.throttledUntil - Date.now();
  let delay: number;
  if (untilUnthrottled > 0) delay = untilUnthrottled;
  else if (this.pending.length > 0) delay = RECHECK_MS;
  else return;
  this.throttleCheckTimeoutId = setTimeout(() => {
    this.throttleCheckTimeoutId = null;
    this.checkPendingRequests();
  }, delay);
}

let applied = false;

/** Replaces kafkajs' scheduling of queue checks (see above); idempotent. Throws if kafkajs no longer has the method it replaces. */
export function fixRequestQueueTimers(): void {
  if (applied) return;
  if (typeof RequestQueue.prototype.scheduleCheckPendingRequests !== 'function' || typeof RequestQueue.prototype.checkPendingRequests !== 'function') {
    throw new Error('kafkajs changed its request queue: revisit src/kafka/request-queue.ts');
  }
  RequestQueue.prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  applied = true;
}
