import { NightjarError } from '../errors/index.js';
import { encodeCursor, type Positions } from './cursor.js';
import type { LiveMessage } from './message.js';
import type { Stream } from './protocol.js';
import type { LiveListener } from './reader.js';

/** Where a subscription's frames go: its connection's bounded queue. */
export interface Outbox {
  /** A complete websocket frame (frame.ts), possibly the same buffer other connections get. */
  sendAlert(frame: Buffer): void;
  send(frame: string, type: 'subscribed' | 'unsubscribed' | 'notice' | 'error'): void;
}

/** Which records of the topic a subscription wants: true, false, or 'end' (it may no longer read them). */
export type Selector = (message: LiveMessage) => boolean | 'end';

/**
 * One client subscription on one topic. `next` is, per partition, the offset after the last record
 * it has passed (delivered or filtered out): the cursor. Records below it are duplicates and
 * ignored, which makes the hand-over from catch-up to the shared reader exact.
 */
export class Subscription implements LiveListener {
  /** catchup: fed by its own catch-up reader; live: fed by the shared reader. */
  mode: 'catchup' | 'live' = 'live';
  private readonly idJson: string;
  private readonly fieldsKey: string;
  private ended = false;

  constructor(
    readonly id: string,
    readonly stream: Stream,
    readonly topic: string,
    readonly next: Positions,
    private readonly outbox: Outbox,
    private readonly select: Selector,
    private readonly fields: string[] | undefined,
    private readonly onEnd: (subscription: Subscription, error: NightjarError) => void,
  ) {
    this.idJson = JSON.stringify(id);
    this.fieldsKey = fields ? fields.join('\n') : '';
  }

  cursor(): string {
    return encodeCursor(this.topic, this.next);
  }

  offerLive(message: LiveMessage): void {
    if (this.mode === 'live') this.take(message, true);
  }

  offerCatchUp(message: LiveMessage): void {
    if (this.mode === 'catchup') this.take(message, false);
  }

  /** `shared`: the record is being dispatched by the shared reader, so its frame may be shared with other subscriptions. */
  private take(message: LiveMessage, shared: boolean): void {
    const { partition, offset } = message;
    if (this.ended || offset < (this.next.get(partition) ?? 0)) return;
    this.next.set(partition, offset + 1);
    const verdict = this.select(message);
    if (verdict === 'end') {
      this.ended = true;
      this.onEnd(this, new NightjarError('LIVE_SUBSCRIPTION_ENDED', `subscription ${this.id}: the filter was removed or is no longer public`));
      return;
    }
    if (!verdict) return;
    const cursor = shared ? message.cursor(this.topic, this.next) : this.cursor();
    const frame = message.frame(this.idJson, cursor, this.fieldsKey, this.fields, shared);
    if (frame !== null) this.outbox.sendAlert(frame);
  }
}
