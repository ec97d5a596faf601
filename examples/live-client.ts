/**
 * A Nightjar live-feed client (docs/live.md) in TypeScript with `ws`: subscribes to your matches
 * (or a public filter, or — administrators — the enriched stream), prints each alert as a JSON
 * line, and reconnects after a drop with the last cursor it received, so nothing is missed or
 * repeated.
 *
 *   NIGHTJAR_TOKEN=nj_… npx tsx examples/live-client.ts
 *
 * Environment: NIGHTJAR_LIVE_URL (default ws://127.0.0.1:8080/api/v1/live), NIGHTJAR_TOKEN,
 * LIVE_STREAM (matches | filter | enriched), LIVE_FILTER (for stream=filter), LIVE_FIELDS
 * (comma-separated dotted paths, e.g. alertId,objectId,mag), LIVE_MAX (stop after this many
 * alerts; 0 = run until interrupted), LIVE_CURSOR (resume from a cursor saved earlier).
 */
import WebSocket from 'ws';

interface AlertFrame {
  type: 'alert';
  sub: string;
  cursor: string;
  filter?: { id: string; version: number };
  matchedAt?: string;
  data: Record<string, unknown>;
}
type ServerFrame =
  | AlertFrame
  | { type: 'subscribed'; id: string; stream: string; cursor: string }
  | { type: 'unsubscribed'; id: string }
  | { type: 'notice'; id?: string; code: string; message: string; details: Record<string, unknown> }
  | { type: 'error'; id?: string; error: { code: string; message: string; details: Record<string, unknown> } };

const url = process.env.NIGHTJAR_LIVE_URL ?? 'ws://127.0.0.1:8080/api/v1/live';
const token = process.env.NIGHTJAR_TOKEN ?? '';
const stream = process.env.LIVE_STREAM ?? 'matches';
const filter = process.env.LIVE_FILTER;
const fields = process.env.LIVE_FIELDS ? process.env.LIVE_FIELDS.split(',') : undefined;
const max = Number(process.env.LIVE_MAX ?? '0');

/** Close codes after which reconnecting cannot help. */
const FATAL = new Set([4003, 1008]);

let cursor: string | undefined = process.env.LIVE_CURSOR || undefined;
let received = 0;
let attempt = 0;

function connect(): void {
  // Header authentication; a browser would offer ['nightjar.v1', `nightjar.token.${token}`] instead.
  const ws = new WebSocket(url, ['nightjar.v1'], { headers: { authorization: `Bearer ${token}` } });

  ws.on('open', () => {
    attempt = 0;
    ws.send(JSON.stringify({ type: 'subscribe', id: 'feed', stream, ...(filter ? { filter } : {}), ...(fields ? { fields } : {}), ...(cursor ? { cursor } : {}) }));
  });

  ws.on('message', (raw) => {
    const frame = JSON.parse(raw.toString()) as ServerFrame;
    switch (frame.type) {
      case 'alert':
        cursor = frame.cursor; // keep the last cursor: it is where a reconnect resumes
        console.log(JSON.stringify({ filter: frame.filter, matchedAt: frame.matchedAt, data: frame.data }));
        if (max > 0 && ++received >= max) {
          ws.close(1000, 'done');
          process.exitCode = 0;
        }
        break;
      case 'subscribed':
        cursor ??= frame.cursor;
        console.error(`subscribed to ${frame.stream}`);
        break;
      case 'notice':
        console.error(`notice ${frame.code}: ${frame.message}`);
        break;
      case 'error':
        console.error(`error ${frame.error.code}: ${frame.error.message}`);
        if (frame.error.code !== 'LIVE_CONNECTION_LIMIT') {
          process.exitCode = 1;
          ws.close(1000, 'giving up');
        }
        break;
    }
  });

  // A refused upgrade: 400 (no token) or 403 (bad, expired or revoked token) — retrying will not help.
  ws.on('unexpected-response', (_request, response) => {
    console.error(`connection refused: HTTP ${response.statusCode}`);
    process.exitCode = 1;
    ws.terminate();
  });

  ws.on('close', (code, reason) => {
    const done = (max > 0 && received >= max) || process.exitCode === 1 || FATAL.has(code);
    if (done) {
      if (FATAL.has(code)) {
        console.error(`closed ${code} ${reason.toString()}`);
        process.exitCode = 1;
      }
      return;
    }
    // 4008 slow consumer, 1001 restart, 1006 network: come back with the last cursor, with backoff.
    const delay = Math.min(30_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
    console.error(`closed ${code} ${reason.toString()}; reconnecting in ${Math.round(delay)} ms`);
    setTimeout(connect, delay);
  });

  ws.on('error', (err) => console.error(`websocket error: ${err.message}`));
}

if (!token) {
  console.error('set NIGHTJAR_TOKEN to an API token (nj_…)');
  process.exit(2);
}
connect();
