import { Counter, Gauge, type Registry } from 'prom-client';

export const disconnectReasons = ['client', 'slow_consumer', 'heartbeat', 'revoked', 'limit', 'shutdown', 'error'] as const;
export type DisconnectReason = (typeof disconnectReasons)[number];
export const dropReasons = ['slow_consumer', 'closed'] as const;
export type DropReason = (typeof dropReasons)[number];
export const frameTypes = ['alert', 'subscribed', 'unsubscribed', 'notice', 'error'] as const;
export type FrameType = (typeof frameTypes)[number];

/** The live feeds' metrics (docs/live.md); every label is a bounded set, initialised at zero. */
export class LiveMetrics {
  readonly connections: Gauge;
  readonly messages: Counter<'type'>;
  /** The per-type children of `messages`, bound once (labels() hashes its argument on every call). */
  readonly sent: Record<FrameType, Counter.Internal>;
  readonly dropped: Counter<'reason'>;
  readonly disconnects: Counter<'reason'>;
  /** Subscriptions resumed with a cursor, by where what they missed came from: the reader's window in memory, or a reader of their own on Kafka. */
  readonly resumes: Record<'window' | 'kafka', Counter.Internal>;

  constructor(registry: Registry) {
    this.connections = new Gauge({ name: 'nightjar_ws_connections', help: 'Open websocket connections of the live feeds', registers: [registry] });
    this.messages = new Counter({ name: 'nightjar_ws_messages_total', help: 'Websocket frames sent to live-feed clients, by type (alert, subscribed, unsubscribed, notice, error)', labelNames: ['type'], registers: [registry] });
    this.dropped = new Counter({ name: 'nightjar_ws_dropped_total', help: 'Alerts not delivered to a live-feed client, by reason (slow_consumer: discarded from the queue of a connection closed as slow; closed: for a closing connection)', labelNames: ['reason'], registers: [registry] });
    this.disconnects = new Counter({ name: 'nightjar_ws_disconnects_total', help: 'Closed websocket connections, by reason', labelNames: ['reason'], registers: [registry] });
    const resumes = new Counter({ name: 'nightjar_ws_resumes_total', help: 'Live subscriptions resumed with a cursor, by where what they missed was read from (window: the shared reader\'s recent records in memory; kafka: a catch-up reader of their own)', labelNames: ['from'], registers: [registry] });
    this.resumes = { window: resumes.labels('window'), kafka: resumes.labels('kafka') };
    this.resumes.window.inc(0);
    this.resumes.kafka.inc(0);
    this.sent = Object.fromEntries(frameTypes.map((type) => [type, this.messages.labels(type)])) as Record<FrameType, Counter.Internal>;
    for (const type of frameTypes) this.sent[type].inc(0);
    for (const reason of dropReasons) this.dropped.labels(reason).inc(0);
    for (const reason of disconnectReasons) this.disconnects.labels(reason).inc(0);
  }
}
