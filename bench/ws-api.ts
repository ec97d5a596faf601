/**
 * The api role for bench/ws.ts, in its own process so its memory is measured apart from the
 * benchmark's clients: serves /api/v1 (with the live feeds) on a free port and answers the
 * parent's IPC requests for memory figures and the live-feed metrics.
 */
import type { AddressInfo } from 'node:net';
import { setPriority } from 'node:os';
import { buildApi } from '../src/api/server.js';
import { startApiServices } from '../src/api/services.js';
import type { Config } from '../src/config/index.js';
import { createKafka } from '../src/kafka/client.js';
import { silentLogger } from '../src/log/logger.js';
import { createMetricsRegistry } from '../src/metrics/registry.js';

const config = JSON.parse(process.env.BENCH_CONFIG!) as Config;
const nice = Number(process.env.BENCH_API_NICE ?? 0);
if (nice !== 0) setPriority(nice);
const logger = silentLogger();
const registry = createMetricsRegistry({ processMetrics: false });
const services = await startApiServices(createKafka(config, logger), config, logger, { registry, rateLimit: { max: 1_000_000, timeWindowMs: 60_000 } });
const app = buildApi({ config, logger, registry, readiness: [], services });
await app.listen({ host: '127.0.0.1', port: 0 });
process.send!({ type: 'ready', port: (app.server.address() as AddressInfo).port });

process.on('message', (message: { type: string }) => {
  if (message.type === 'mem') {
    const m = process.memoryUsage();
    process.send!({ type: 'mem', rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, cpu: process.cpuUsage() });
  } else if (message.type === 'metrics') {
    void registry.metrics().then((text) => process.send!({ type: 'metrics', text: text.split('\n').filter((l) => l.startsWith('nightjar_ws_')).join('\n') }));
  } else if (message.type === 'stop') {
    void app.close().then(() => services.stop()).then(() => process.exit(0));
  }
});
// Never outlive the benchmark.
process.on('disconnect', () => process.exit(0));
