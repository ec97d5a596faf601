import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Logger } from '../log/logger.js';
import type { Principal } from '../platform/auth.js';
import type { DisconnectReason, FrameType, LiveMetrics } from './metrics.js';
import { CloseCode, noticeFrame } from './protocol.js';
import type { Outbox, Subscription } from './subscription.js';

export interface ConnectionSettings {
  sendQueueMessages: number;
  sendQueueBytes: number;
  socketBufferBytes: number;
  closeGraceMs: number;
}

/** Frames (or bytes) queued within one turn of the event loop beyond which they are written at once. */
const BURST_FRAMES = 64;
const BURST_BYTES = 64 * 1024;

interface Queued {
  frame: string;
  type: FrameType;
}

/**
 * One websocket client. Frames go through a bounded queue: they are handed to the socket while
 * it holds less than `socketBufferBytes` unsent, and wait otherwise. Past half of either bound the
 * client is warned once (notice LIVE_SLOW_CONSUMER); past a bound the queue is discarded and the
 * connection closed with 4008 — the shared readers never wait for a client.
 */
export class LiveConnection implements Outbox {
  readonly subscriptions = new Map<string, Subscription>();
  /** Subscription ids being set up (awaiting their reader), so a second subscribe with the id is refused. */
  readonly pending = new Set<string>();
  /** Answered the last ping. */
  alive = true;
  closing = false;
  private queue: Queued[] = [];
  private head = 0;
  private queuedBytes = 0;
  private warned = false;
  private reason: DisconnectReason | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private nextId = 1;
  private pumpScheduled = false;
  private readonly written = (err?: Error): void => {
    if (!err) this.pump();
  };

  constructor(
    readonly ws: WebSocket,
    readonly principal: Principal,
    private readonly settings: ConnectionSettings,
    private readonly metrics: LiveMetrics,
    private readonly logger: Logger,
    private readonly onClosed: (connection: LiveConnection, reason: DisconnectReason) => void,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => {
      this.closing = true; // also when the client closed: a subscribe still being set up sees it
      clearTimeout(this.graceTimer);
      this.dropQueue('closed');
      this.onClosed(this, this.reason ?? 'client');
    });
  }

  /** A subscription id for a client that did not name one. */
  assignId(): string {
    let id: string;
    do id = `s${this.nextId++}`;
    while (this.subscriptions.has(id) || this.pending.has(id));
    return id;
  }

  get queuedMessages(): number {
    return this.queue.length - this.head;
  }

  /** Over half of either bound: catch-up readers pause for this client. */
  get congested(): boolean {
    return this.queuedMessages * 2 > this.settings.sendQueueMessages || this.queuedBytes * 2 > this.settings.sendQueueBytes;
  }

  sendAlert(frame: string): void {
    this.send(frame, 'alert');
  }

  send(frame: string, type: FrameType): void {
    if (this.closing) {
      if (type === 'alert') this.metrics.dropped.labels('closed').inc();
      return;
    }
    this.queue.push({ frame, type });
    this.queuedBytes += frame.length;
    const messages = this.queuedMessages;
    if (messages > this.settings.sendQueueMessages || this.queuedBytes > this.settings.sendQueueBytes) {
      this.closeSlow();
      return;
    }
    if (!this.warned && this.congested) this.warn();
    // A burst (a large Kafka batch) goes out in slices at once, so it never looks like a slow client.
    if (messages >= BURST_FRAMES || this.queuedBytes >= BURST_BYTES) this.pump();
    else this.schedulePump();
  }

  /**
   * Sends on the next turn of the event loop rather than per frame: a shared reader hands over a
   * whole Kafka batch synchronously, so the frames it queued here go out corked, in one write.
   */
  private schedulePump(): void {
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Closes with a code and reason; a peer that does not complete the close handshake is cut after closeGraceMs. */
  close(code: number, text: string, reason: DisconnectReason): void {
    if (this.closing) return;
    this.pump(); // what is queued (e.g. the error saying why) goes out before the close frame
    this.closing = true;
    this.reason = reason;
    try {
      this.ws.close(code, text);
    } catch {
      this.ws.terminate();
    }
    this.graceTimer = setTimeout(() => this.ws.terminate(), this.settings.closeGraceMs);
    this.graceTimer.unref();
  }

  /** Cuts the connection without a close handshake (a dead peer). */
  terminate(reason: DisconnectReason): void {
    if (!this.closing) this.reason = reason;
    this.closing = true;
    this.ws.terminate();
  }

  ping(): void {
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      // closed meanwhile: the close handler cleans up
    }
  }

  private pump(): void {
    const ws = this.ws;
    // ws keeps its net.Socket private; corking it turns this loop's frames into one writev.
    const socket = (ws as unknown as { _socket?: Socket })._socket;
    socket?.cork();
    let last: Queued | undefined;
    while (this.head < this.queue.length && ws.readyState === WebSocket.OPEN && ws.bufferedAmount < this.settings.socketBufferBytes) {
      const item = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as Queued;
      this.head += 1;
      this.queuedBytes -= item.frame.length;
      if (last) ws.send(last.frame);
      last = item;
      this.metrics.sent[item.type].inc();
    }
    // One callback per burst: when the last frame is written, pump again.
    if (last) ws.send(last.frame, this.written);
    socket?.uncork();
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.warned = false;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private warn(): void {
    this.warned = true;
    const details = { queuedMessages: this.queuedMessages, queuedBytes: this.queuedBytes, maxMessages: this.settings.sendQueueMessages, maxBytes: this.settings.sendQueueBytes };
    // Straight to the socket, ahead of the queued alerts: a client that reads at all sees it soon.
    this.ws.send(noticeFrame('LIVE_SLOW_CONSUMER', 'you are reading slower than alerts arrive; at a full send queue the connection is closed with 4008 (resume with your last cursor)', details));
    this.metrics.sent.notice.inc();
  }

  private closeSlow(): void {
    this.logger.info({ user: this.principal.user, queuedMessages: this.queuedMessages, queuedBytes: this.queuedBytes }, 'live client too slow; closing with 4008');
    this.dropQueue('slow_consumer');
    this.close(CloseCode.slowConsumer, 'slow consumer', 'slow_consumer');
  }

  private dropQueue(reason: 'slow_consumer' | 'closed'): void {
    let alerts = 0;
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]!.type === 'alert') alerts += 1;
    if (alerts > 0) this.metrics.dropped.labels(reason).inc(alerts);
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }
}
