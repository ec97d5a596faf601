import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import WebSocket, { WebSocketServer } from 'ws';
import { LiveConnection } from '../../../src/live/connection.js';
import { decodeCursor, encodeCursor, type Positions } from '../../../src/live/cursor.js';
import { framePayload, textFrame } from '../../../src/live/frame.js';
import { LiveMessage } from '../../../src/live/message.js';
import { LiveMetrics } from '../../../src/live/metrics.js';
import { Subscription, type Outbox } from '../../../src/live/subscription.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry } from '../../../src/metrics/registry.js';
import type { Principal } from '../../../src/platform/auth.js';
import { waitFor } from '../../helpers/wait.js';

const TOPIC = 'nightjar.user.ada';

/** ws's own framing and parsing (exported by its ES module, not declared by @types/ws): the reference for frame.ts. */
const { Receiver, Sender } = wsModule as unknown as {
  Receiver: new (options: { isServer: boolean }) => NodeJS.EventEmitter & { write(chunk: Buffer): void };
  Sender: { frame(data: Buffer, options: { fin: boolean; opcode: number; mask: boolean; readOnly: boolean; rsv1: boolean }): Buffer[] };
};

function match(partition: number, offset: number, alert: Record<string, unknown> = { alertId: `a${offset}`, objectId: 'ZTF1', mag: 17.5, ra: 10, dec: -5 }): LiveMessage {
  const value = Buffer.from(JSON.stringify({ filter: { id: 'f1', version: 2 }, matchedAt: '2026-11-22T20:41:07.512Z', alert }));
  return new LiveMessage('matches', partition, offset, value, { 'nightjar-filter-id': Buffer.from('f1') });
}

/** Collects what subscriptions hand to their connection. */
class Collect implements Outbox {
  readonly alerts: Buffer[] = [];
  sendAlert(frame: Buffer): void {
    this.alerts.push(frame);
  }
  send(): void {}
}

function subscription(id: string, outbox: Outbox, next: Positions, fields?: string[]): Subscription {
  return new Subscription(id, 'matches', TOPIC, next, outbox, () => true, fields, () => undefined);
}

/** The JSON text a built frame carries (checked against ws's own parser). */
function decode(frame: Buffer): Record<string, unknown> {
  const texts: string[] = [];
  const receiver = new Receiver({ isServer: false });
  receiver.on('message', (data: Buffer, isBinary: boolean) => texts.push(isBinary ? 'binary!' : data.toString()));
  receiver.write(frame);
  expect(texts).toHaveLength(1);
  return JSON.parse(texts[0]!) as Record<string, unknown>;
}

describe('websocket frames built once', () => {
  it.each([0, 1, 125, 126, 1000, 65_535, 65_536, 200_000])('builds the frame ws would send for a %i-byte text', (length) => {
    const text = 'é'.repeat(Math.floor(length / 2)) + 'x'.repeat(length % 2);
    const frame = textFrame(text);
    const wsFrame = Buffer.concat(Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: false, rsv1: false }));
    expect(frame.equals(wsFrame)).toBe(true);
    expect(framePayload(frame).toString()).toBe(text);
  });
});

describe('sharing one frame between subscriptions', () => {
  it('gives subscriptions with the same id, position and field selection the identical buffer; others their own', () => {
    const outbox = new Collect();
    const start = (): Positions => new Map([[0, 5], [1, 3]]);
    const a = subscription('m', outbox, start(), ['alertId', 'mag']);
    const b = subscription('m', outbox, start(), ['alertId', 'mag']);
    const otherFields = subscription('m', outbox, start(), ['alertId', 'ra']);
    const otherId = subscription('n', outbox, start(), ['alertId', 'mag']);
    const everything = subscription('m', outbox, start());
    const message = match(0, 5);
    for (const s of [a, b, otherFields, otherId, everything]) s.offerLive(message);
    const [fa, fb, fFields, fId, fAll] = outbox.alerts;
    expect(fb).toBe(fa);
    for (const other of [fFields, fId, fAll]) expect(other).not.toBe(fa);
    expect(decode(fa!)).toEqual({ type: 'alert', sub: 'm', cursor: a.cursor(), filter: { id: 'f1', version: 2 }, matchedAt: '2026-11-22T20:41:07.512Z', data: { alertId: 'a5', mag: 17.5 } });
    expect(decode(fFields!).data).toEqual({ alertId: 'a5', ra: 10 });
    expect(decode(fId!).sub).toBe('n');
    expect(decode(fAll!).data).toMatchObject({ alertId: 'a5', objectId: 'ZTF1', dec: -5 });
  });

  it('gives a subscription at other positions its own cursor, the one it would resume from', () => {
    const outbox = new Collect();
    const live = subscription('m', outbox, new Map([[0, 5], [1, 3]]));
    const behind = subscription('m', outbox, new Map([[0, 5], [1, 1]]));
    const message = match(0, 5);
    live.offerLive(message);
    behind.offerLive(message);
    const [first, second] = outbox.alerts.map(decode);
    expect(first!.cursor).not.toBe(second!.cursor);
    expect(decodeCursor(first!.cursor as string, TOPIC)).toEqual(new Map([[0, 6], [1, 3]]));
    expect(decodeCursor(second!.cursor as string, TOPIC)).toEqual(new Map([[0, 6], [1, 1]]));
    expect(second!.cursor).toBe(encodeCursor(TOPIC, behind.next));
  });

  it('builds a frame of its own for a catch-up delivery and forgets the shared ones at release', () => {
    const outbox = new Collect();
    const live = subscription('m', outbox, new Map([[0, 5]]));
    const catching = subscription('m', outbox, new Map([[0, 5]]));
    catching.mode = 'catchup';
    const message = match(0, 5);
    live.offerLive(message);
    catching.offerCatchUp(message);
    const [shared, own] = outbox.alerts;
    expect(own).not.toBe(shared);
    expect(own!.equals(shared!)).toBe(true);
    message.release();
    const again = subscription('m', outbox, new Map([[0, 5]]));
    again.offerLive(message);
    expect(outbox.alerts[2]).not.toBe(shared);
    expect(outbox.alerts[2]!.equals(shared!)).toBe(true);
  });

  it('still delivers correct frames past the number of distinct frames a record shares', () => {
    const outbox = new Collect();
    const subs = Array.from({ length: 20 }, (_, i) => subscription(`s${i}`, outbox, new Map([[0, 0]])));
    const message = match(0, 0);
    for (const s of subs) s.offerLive(message);
    expect(outbox.alerts.map((f) => decode(f).sub)).toEqual(subs.map((s) => s.id));
  });
});

describe('a connection writing shared frames', () => {
  let server: WebSocketServer | undefined;
  afterEach(async () => {
    for (const client of server?.clients ?? []) client.terminate();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  /** A LiveConnection on the server side of a loopback websocket, and what its client receives. */
  async function pair(perMessageDeflate: boolean, coalesceMs = 0): Promise<{ connection: LiveConnection; received: string[]; registry: ReturnType<typeof createMetricsRegistry>; client: WebSocket; writes: () => number }> {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
    await once(server, 'listening');
    const accepted = once(server, 'connection');
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const received: string[] = [];
    client.on('message', (data) => received.push(data.toString()));
    await once(client, 'open');
    const [ws] = (await accepted) as [WebSocket];
    const registry = createMetricsRegistry({ processMetrics: false });
    const settings = { sendQueueMessages: 1_000, sendQueueBytes: 1 << 20, socketBufferBytes: 1 << 20, closeGraceMs: 1_000, coalesceMs };
    const principal: Principal = { user: 'ada', admin: false, scopes: ['read'], tokenId: 't1' };
    const connection = new LiveConnection(ws, principal, settings, new LiveMetrics(registry), silentLogger(), () => undefined);
    // Counts the writes to the socket under the websocket (what coalescing saves).
    const socket = (ws as unknown as { _socket: { write: (...args: unknown[]) => boolean } })._socket;
    const write = socket.write.bind(socket);
    let writes = 0;
    socket.write = (...args: unknown[]) => {
      writes += 1;
      return write(...args);
    };
    return { connection, received, registry, client, writes: () => writes };
  }

  /** Queues one alert frame in each of `turns` turns of the event loop. */
  async function overTurns(connection: LiveConnection, turns: number): Promise<void> {
    for (let i = 0; i < turns; i++) {
      connection.sendAlert(textFrame(JSON.stringify({ type: 'alert', n: i })));
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('writes the frames of each turn of the event loop at once without coalescing', async () => {
    const { connection, received, writes } = await pair(false, 0);
    await overTurns(connection, 3);
    await waitFor(() => received.length === 3, { timeoutMs: 5_000, message: 'every frame' });
    expect(writes()).toBe(3);
  });

  it('with live.coalesceMs, writes the frames of several turns in one socket write', async () => {
    const { connection, received, writes } = await pair(false, 400);
    await overTurns(connection, 3);
    expect(writes()).toBe(0);
    await waitFor(() => received.length === 3, { timeoutMs: 5_000, message: 'every frame' });
    expect(received.map((t) => (JSON.parse(t) as { n: number }).n)).toEqual([0, 1, 2]);
    expect(writes()).toBe(1);
  });

  it('with live.coalesceMs, a control frame goes out at the end of the turn, with the alerts queued before it', async () => {
    const { connection, received, writes } = await pair(false, 600_000);
    await overTurns(connection, 2);
    connection.send('{"type":"notice","code":"X"}', 'notice');
    await waitFor(() => received.length === 3, { timeoutMs: 5_000, message: 'the alerts and the notice' });
    expect(received[2]).toBe('{"type":"notice","code":"X"}');
    expect(writes()).toBe(1);
  });

  it('with live.coalesceMs, still writes a burst at once instead of holding it for the window', async () => {
    const { connection, received, writes } = await pair(false, 600_000);
    for (let i = 0; i < 64; i++) connection.sendAlert(textFrame(JSON.stringify({ type: 'alert', n: i })));
    await waitFor(() => received.length === 64, { timeoutMs: 5_000, message: 'the burst' });
    expect(writes()).toBe(1);
    connection.close(1000, 'done', 'client');
  });

  it.each([false, true])('delivers queued control and shared alert frames in order (permessage-deflate negotiated: %s)', async (deflate) => {
    const { connection, received, registry, client } = await pair(deflate);
    expect(client.extensions).toBe(deflate ? 'permessage-deflate' : '');
    const frames = Array.from({ length: 200 }, (_, i) => textFrame(JSON.stringify({ type: 'alert', n: i })));
    connection.send('{"type":"subscribed","id":"m"}', 'subscribed');
    for (const frame of frames) connection.sendAlert(frame);
    connection.send('{"type":"notice","code":"X"}', 'notice');
    await waitFor(() => received.length === 202, { timeoutMs: 5_000, message: 'every frame' });
    expect(received[0]).toBe('{"type":"subscribed","id":"m"}');
    expect(received.slice(1, 201).map((t) => (JSON.parse(t) as { n: number }).n)).toEqual(frames.map((_, i) => i));
    expect(received[201]).toBe('{"type":"notice","code":"X"}');
    const text = await registry.metrics();
    expect(text).toContain('nightjar_ws_messages_total{type="alert"} 200');
    expect(text).toContain('nightjar_ws_messages_total{type="subscribed"} 1');
    expect(connection.queuedMessages).toBe(0);
  });
});
