import WebSocket from 'ws';
import { waitFor } from '../../helpers/index.js';

export interface Frame {
  type: string;
  [key: string]: unknown;
}

/** A websocket test client that records every frame and how the connection ended. */
export class LiveTestClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  refused: number | undefined;
  readonly ws: WebSocket;
  private readonly opened: Promise<void>;

  constructor(url: string, options: { token?: string; protocols?: string[]; headers?: Record<string, string> } = {}) {
    const headers = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers };
    this.ws = new WebSocket(url, options.protocols ?? [], { headers, maxPayload: 64 * 1024 * 1024 });
    this.ws.on('message', (data) => this.frames.push(JSON.parse(data.toString()) as Frame));
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (req, res) => {
        this.refused = res.statusCode;
        reject(new Error(`refused with HTTP ${res.statusCode}`));
        req.destroy();
      });
      this.ws.on('error', reject);
    });
    this.opened.catch(() => undefined);
  }

  open(): Promise<void> {
    return this.opened;
  }

  send(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  alerts(sub?: string): Frame[] {
    return this.frames.filter((f) => f.type === 'alert' && (sub === undefined || f.sub === sub));
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.type === type);
  }

  /** Subscribes and waits for `subscribed` (or throws with the error frame). */
  async subscribe(request: Record<string, unknown>): Promise<Frame> {
    const from = this.frames.length;
    this.send({ type: 'subscribe', ...request });
    const reply = await waitFor(() => this.frames.slice(from).find((f) => (f.type === 'subscribed' || f.type === 'error') && f.id === request.id), { timeoutMs: 20_000, message: `reply to subscribe ${String(request.id)}` });
    if (reply.type === 'error') throw Object.assign(new Error(`subscribe refused: ${JSON.stringify(reply.error)}`), { frame: reply });
    return reply;
  }

  async waitAlerts(count: number, sub?: string, timeoutMs = 20_000): Promise<Frame[]> {
    await waitFor(() => this.alerts(sub).length >= count, { timeoutMs, message: `${count} alerts${sub ? ` on ${sub}` : ''} (have ${this.alerts(sub).length})` });
    return this.alerts(sub);
  }

  async waitClosed(timeoutMs = 20_000): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, { timeoutMs, message: 'the connection to close' });
  }

  close(): void {
    this.ws.close();
  }
}
