import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Logger } from '../log/logger.js';
import type { Principal } from '../platform/auth.js';
import { framePayload, textFrame } from './frame.js';
import type { DisconnectReason, FrameType, LiveMetrics } from './metrics.js';
import { CloseCode, noticeFrame } from './protocol.js';
import type { Outbox, Subscription } from './subscription.js';

export interface ConnectionSettings {
  sendQueueMessages: number;
  sendQueueBytes: number;
  socketBufferBytes: number;
  closeGraceMs: number;
  /** How long frames wait to be written together (ms); 0: until the end of the event loop's turn. */
  coalesceMs: number;
}

/** Frames (or bytes) queued beyond which they are written at once, without waiting for the end of the turn or the coalescing window. */
const BURST_FRAMES = 64;
const BURST_BYTES = 64 * 1024;

interface Queued {
  /** A complete websocket frame (frame.ts); alert frames are often shared with other connections. */
  frame: Buffer;
  type: FrameType;
}

/**
 * The socket under a websocket when this module may write pre-built frames to it: ws keeps it
 * private, and writing beside ws is sound only while ws itself never holds frames back, which it
 * does only to compress (permessage-deflate, which the live route never negotiates) or to read a
 * Blob (never sent here). Otherwise undefined, and frames go through ws.send.
 */
function rawSocket(ws: WebSocket): Socket | undefined {
  if (ws.extensions !== '') return undefined;
  const socket = (ws as unknown as { _socket?: Socket })._socket;
  return socket && typeof socket.write === 'function' ? socket : undefined;
}

/**
 * One websocket client. Frames go through a bounded queue: they are handed to the socket while
 * it holds less than `socketBufferBytes` unsent, and wait otherwise. Past half of either bound the
 * client is warned once (notice LIVE_SLOW_CONSUMER); past a bound the queue is discarded and the
 * connection closed with 4008 — the shared readers never wait for a client. Frames arrive built
 * (frame.ts), so what one turn of the event loop queued goes to the socket as one write.
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
  private pumpTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  /** pumpTimer is an immediate (end of this turn), not a coalescing timeout. */
  private pumpSoon = false;
  /** Once the kernel took a write: more if frames wait for room (frames waiting for their coalescing timer keep waiting). */
  private readonly written = (err?: Error | null): void => {
    if (!err && this.pumpTimer === undefined && this.head < this.queue.length) this.pump();
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

  sendAlert(frame: Buffer): void {
    this.enqueue(frame, 'alert');
  }

  /** Queues a control frame (JSON text: subscribed, error, notice, …). */
  send(text: string, type: FrameType): void {
    if (this.closing) return;
    this.enqueue(textFrame(text), type);
  }

  private enqueue(frame: Buffer, type: FrameType): void {
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
    else this.schedulePump(type !== 'alert');
  }

  /**
   * Sends later rather than per frame: a shared reader hands over a whole Kafka batch
   * synchronously, so at least what one turn of the event loop queued goes out in one write, and
   * with `coalesceMs` what several fetches queued within that time (one write instead of one per
   * batch: the kernel's per-write cost is most of what a frame costs the api role). Control
   * frames (`urgent`: subscribed, notices, errors) go out at the end of the turn.
   */
  private schedulePump(urgent: boolean): void {
    const delay = urgent ? 0 : this.settings.coalesceMs;
    if (this.pumpTimer && (this.pumpSoon || delay > 0)) return;
    this.cancelPump();
    const run = (): void => {
      this.pumpTimer = undefined;
      this.pump();
    };
    this.pumpSoon = delay === 0;
    this.pumpTimer = delay > 0 ? setTimeout(run, delay) : setImmediate(run);
  }

  private cancelPump(): void {
    if (!this.pumpTimer) return;
    if (this.pumpSoon) clearImmediate(this.pumpTimer as NodeJS.Immediate);
    else clearTimeout(this.pumpTimer as NodeJS.Timeout);
    this.pumpTimer = undefined;
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

  /**
   * Hands queued frames to the socket while it holds less than socketBufferBytes: one write of
   * them all (a copy of a few kilobytes is cheaper than a write per frame), whose callback pumps
   * again once the kernel took it.
   */
  private pump(): void {
    this.cancelPump();
    const ws = this.ws;
    if (ws.readyState !== WebSocket.OPEN) return;
    const socket = rawSocket(ws);
    if (socket && !socket.writable) return;
    let room = this.settings.socketBufferBytes - ws.bufferedAmount;
    const frames: Buffer[] = [];
    let bytes = 0;
    let alerts = 0;
    while (this.head < this.queue.length && room > 0) {
      const item = this.queue[this.head]!;
      this.queue[this.head] = undefined as unknown as Queued;
      this.head += 1;
      frames.push(item.frame);
      bytes += item.frame.length;
      room -= item.frame.length;
      if (item.type === 'alert') alerts += 1;
      else this.metrics.sent[item.type].inc();
    }
    this.queuedBytes -= bytes;
    if (alerts > 0) this.metrics.sent.alert.inc(alerts);
    if (frames.length > 0) {
      if (socket) socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames, bytes), this.written);
      else this.sendThroughWs(frames);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      this.warned = false;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Without a raw socket (see rawSocket): each frame's text through ws, corked when possible. */
  private sendThroughWs(frames: Buffer[]): void {
    const socket = (this.ws as unknown as { _socket?: Socket })._socket;
    socket?.cork?.();
    const last = frames.length - 1;
    for (let i = 0; i < last; i++) this.ws.send(framePayload(frames[i]!), { binary: false });
    this.ws.send(framePayload(frames[last]!), { binary: false }, this.written);
    socket?.uncork?.();
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
