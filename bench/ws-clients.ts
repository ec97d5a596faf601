/**
 * The websocket clients of bench/ws-pipeline.ts in a process of their own (forked with IPC), so
 * their work neither delays the benchmark's own clock and counters nor, when started with a
 * niceness, takes CPU before the system under test. Messages:
 *   in  { type: 'connect', port, tokens: string[][], clients, users }  → out { type: 'ready' }
 *   in  { type: 'count' } → out { type: 'count', delivered, cpu }
 *   in  { type: 'stop' }  → closes every socket and exits
 * Client i uses user i % users and one of its tokens; every tenth client stops reading once
 * subscribed (a stalled client); the others count the alert frames they receive.
 */
import { cpuUsage } from 'node:process';
import { setPriority } from 'node:os';
import WebSocket from 'ws';

const nice = Number(process.env.BENCH_CLIENTS_NICE ?? 0);
if (nice !== 0) setPriority(nice);

const sockets: WebSocket[] = [];
let delivered = 0;

async function connect(port: number, tokens: string[][], clients: number, users: number): Promise<void> {
  await Promise.all(
    Array.from({ length: clients }, (_, i) => {
      const own = tokens[i % users]!;
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/live`, ['nightjar.v1'], { headers: { authorization: `Bearer ${own[Math.floor(i / users) % own.length]}` } });
      sockets.push(ws);
      const stalled = i % 10 === 0;
      return new Promise<void>((resolve, reject) => {
        ws.on('error', reject);
        ws.on('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 'm', stream: 'matches', fields: ['alertId', 'objectId', 'mag', 'ra', 'dec'] })));
        ws.on('message', (raw) => {
          const text = raw.toString();
          if (text.startsWith('{"type":"subscribed"')) {
            if (stalled) ws.pause();
            resolve();
          } else if (!stalled && text.startsWith('{"type":"alert"')) delivered += 1;
        });
      });
    }),
  );
}

process.on('message', (m: { type: string; port?: number; tokens?: string[][]; clients?: number; users?: number }) => {
  if (m.type === 'connect') {
    connect(m.port!, m.tokens!, m.clients!, m.users!).then(
      () => process.send!({ type: 'ready' }),
      (err: Error) => process.send!({ type: 'failed', message: err.message }),
    );
  } else if (m.type === 'count') {
    process.send!({ type: 'count', delivered, cpu: cpuUsage() });
  } else if (m.type === 'stop') {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
