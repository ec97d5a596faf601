import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApi } from '../../../src/api/server.js';
import { loadConfig } from '../../../src/config/index.js';
import { LiveHub } from '../../../src/live/hub.js';
import { silentLogger } from '../../../src/log/logger.js';
import { createMetricsRegistry, type Registry } from '../../../src/metrics/registry.js';
import { metricValue } from '../../helpers/metrics.js';
import { waitFor } from '../../helpers/wait.js';
import { memoryServices, type MemoryKit } from '../api/memory-services.js';

interface Seen {
  frames: { type: string; [k: string]: unknown }[];
  closed?: { code: number; reason: string };
}

/** Heartbeats, limits, expiry and bad messages of the live feeds: none of it needs Kafka (no subscription reaches a reader). */
describe('live hub without Kafka', () => {
  let kit: MemoryKit;
  let hub: LiveHub;
  let app: FastifyInstance;
  let registry: Registry;
  let url: string;
  let token: string;
  const sockets: WebSocket[] = [];

  const connect = async (secret: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; seen: Seen }> => {
    const ws = new WebSocket(url, ['nightjar.v1', `nightjar.token.${secret}`], options);
    sockets.push(ws);
    const seen: Seen = { frames: [] };
    ws.on('message', (data) => seen.frames.push(JSON.parse(data.toString())));
    ws.on('close', (code, reason) => (seen.closed = { code, reason: reason.toString() }));
    ws.on('error', () => undefined);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('unexpected-response', reject));
    return { ws, seen };
  };

  beforeAll(async () => {
    kit = memoryServices();
    const config = loadConfig({ env: {}, overrides: { live: { heartbeatMs: 150, maxConnections: 4, maxConnectionsPerToken: 10 } } });
    registry = createMetricsRegistry({ processMetrics: false });
    hub = new LiveHub({ kafka: new Kafka({ brokers: ['127.0.0.1:1'] }), config, platform: kit.platform, filters: kit.services.filters, registry, logger: silentLogger(), clock: () => kit.now.value });
    app = buildApi({ config, logger: silentLogger(), registry, readiness: [], services: { ...kit.services, live: hub } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/live`;
    await kit.platform.users.create({ name: 'ada' });
    token = (await kit.platform.tokens.issue({ owner: 'ada', scopes: ['read'], lifetimeMs: 3_600_000 })).token;
  });

  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await app.close();
  });

  it('documents GET /api/v1/live in the OpenAPI document and answers a plain GET with 426', async () => {
    const doc = (await app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, { get?: { responses: Record<string, unknown> } }> };
    expect(Object.keys(doc.paths['/api/v1/live']?.get?.responses ?? {})).toEqual(expect.arrayContaining(['400', '403', '426']));
    const plain = await app.inject({ url: '/api/v1/live', headers: { authorization: `Bearer ${token}` } });
    expect([plain.statusCode, plain.json().error.code]).toEqual([426, 'UPGRADE_REQUIRED']);
    const viaQuery = await app.inject({ url: `/api/v1/live?token=${token}` });
    expect(viaQuery.statusCode).toBe(426);
  });

  it('terminates a peer that stops answering pings and keeps one that answers', async () => {
    const before = await metricValue(registry, 'nightjar_ws_disconnects_total', { reason: 'heartbeat' });
    const dead = await connect(token, { autoPong: false });
    const alive = await connect(token);
    await waitFor(() => dead.seen.closed, { timeoutMs: 5_000, message: 'the silent peer to be cut' });
    expect(dead.seen.closed!.code).toBe(1006);
    expect(await metricValue(registry, 'nightjar_ws_disconnects_total', { reason: 'heartbeat' })).toBe(before + 1);
    expect(alive.seen.closed).toBeUndefined();
    alive.ws.close();
    await waitFor(() => alive.seen.closed, { timeoutMs: 5_000 });
  });

  it('answers bad messages with catalogue errors and refuses the enriched stream without admin', async () => {
    const { ws, seen } = await connect(token);
    ws.send('{"type":"subscribe"');
    ws.send(Buffer.from([1, 2, 3]));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'e', stream: 'enriched' }));
    ws.send(JSON.stringify({ type: 'subscribe', id: 'f', stream: 'filter', filter: 'nobodys' }));
    ws.send(JSON.stringify({ type: 'unsubscribe', id: 'nope' }));
    await waitFor(() => seen.frames.length >= 5, { timeoutMs: 5_000, message: 'five replies' });
    expect(seen.frames.map((f) => [f.id, (f.error as { code: string }).code]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))).toEqual([
      ['e', 'AUTH_SCOPE'],
      ['f', 'NOT_FOUND'],
      ['nope', 'NOT_FOUND'],
      [undefined, 'LIVE_MESSAGE_INVALID'],
      [undefined, 'LIVE_MESSAGE_INVALID'],
    ]);
    expect(seen.closed).toBeUndefined();
    ws.close();
    await waitFor(() => seen.closed, { timeoutMs: 5_000 });
  });

  it('closes with 1013 past the total connection limit and with 4003 once the token expired', async () => {
    await waitFor(() => hub.connectionCount === 0, { timeoutMs: 5_000, message: 'the earlier connections to be gone' });
    const open: Awaited<ReturnType<typeof connect>>[] = [];
    for (let i = 0; i < 4; i++) open.push(await connect(token));
    const extra = await connect(token);
    await waitFor(() => extra.seen.closed, { timeoutMs: 5_000, message: 'the extra connection to close' });
    expect(extra.seen.closed).toEqual({ code: 1013, reason: 'server connection limit' });
    expect(extra.seen.frames[0]).toMatchObject({ type: 'error', error: { code: 'LIVE_CONNECTION_LIMIT' } });
    expect(hub.connectionCount).toBe(4);
    expect(await metricValue(registry, 'nightjar_ws_connections')).toBe(4);

    kit.now.value = new Date(kit.now.value.getTime() + 2 * 3_600_000);
    for (const c of open) expect(await waitFor(() => c.seen.closed, { timeoutMs: 5_000 })).toEqual({ code: 4003, reason: 'token expired' });
    await waitFor(() => hub.connectionCount === 0, { timeoutMs: 5_000 });
    expect(await metricValue(registry, 'nightjar_ws_connections')).toBe(0);
  });
});
