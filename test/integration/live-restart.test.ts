import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { startApiServices, type RunningApiServices } from '../../src/api/services.js';
import type { Config } from '../../src/config/index.js';
import { userTopic } from '../../src/filter/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry, type Registry } from '../../src/metrics/registry.js';
import { metricValue, testConfig, uniqueName, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic } from './support/alerts.js';
import { LiveTestClient, type Frame } from './support/live-client.js';

interface RunningApi {
  registry: Registry;
  services: RunningApiServices;
  app: FastifyInstance;
  url: string;
}

/**
 * After the api process restarts (a rolling update), every client resumes at once with its last
 * cursor. The new process's shared reader starts a window's worth of records before the topic's
 * end, so those clients are served from memory, with exactly what they missed, instead of each
 * by a Kafka reader of its own; a subscription without a cursor still starts at the end.
 */
describe('live feeds: resuming after the api process restarted', () => {
  let kit: KafkaKit;
  let config: Config;
  const user = uniqueName('restarter');
  let token = '';
  const clients: LiveTestClient[] = [];
  const running: RunningApi[] = [];
  let seq = 0;

  const startApi = async (): Promise<RunningApi> => {
    const registry = createMetricsRegistry({ processMetrics: false });
    const services = await startApiServices(kit.kafka, config, silentLogger(), { registry });
    const app = buildApi({ config, logger: silentLogger(), registry, readiness: [], services });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const api = { registry, services, app, url: `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/live` };
    running.push(api);
    return api;
  };
  const stopApi = async (api: RunningApi): Promise<void> => {
    await api.app.close();
    await api.services.stop();
  };
  const client = async (api: RunningApi): Promise<LiveTestClient> => {
    const c = new LiveTestClient(api.url, { token });
    clients.push(c);
    await c.open();
    return c;
  };
  const produce = async (count: number): Promise<string[]> => {
    const ids = Array.from({ length: count }, () => `r${++seq}`);
    await kit.producer.send({
      topic: userTopic(user),
      acks: -1,
      messages: ids.map((alertId, i) => ({ key: `obj${i % 7}`, value: JSON.stringify({ filter: { id: `${user}-f`, version: 1, owner: user }, matchedAt: new Date().toISOString(), alert: { alertId } }), headers: { 'nightjar-filter-id': `${user}-f` } })),
    });
    return ids;
  };
  const alertIds = (frames: Frame[]): string[] => frames.map((f) => (f.data as { alertId: string }).alertId);
  const resumes = (api: RunningApi, from: 'window' | 'kafka'): Promise<number> => metricValue(api.registry, 'nightjar_ws_resumes_total', { from });

  beforeAll(async () => {
    kit = await withKafka();
    config = testConfig({
      topics: {
        users: await compactedTopic(kit, 'lrs-users'),
        tokens: await compactedTopic(kit, 'lrs-tokens'),
        filters: await compactedTopic(kit, 'lrs-filters'),
        notices: await kit.createTopic({ prefix: 'lrs-notices' }),
        enriched: await kit.createTopic({ prefix: 'lrs-enriched' }),
      },
      kafka: { partitions: 3 },
      live: { replayMessages: 60, maxConnectionsPerToken: 20 },
    });
    const api = await startApi();
    await api.services.platform.users.create({ name: user });
    token = (await api.services.platform.tokens.issue({ owner: user, scopes: ['read'], lifetimeMs: 3_600_000 })).token;
    await api.services.filters.ensureUserTopic(user);
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    for (const api of running) await stopApi(api).catch(() => undefined);
    await kit?.admin.deleteTopics({ topics: [userTopic(user)] }).catch(() => undefined);
  });

  it('serves every client resuming after a restart from the new reader\'s window, with exactly what it missed', async () => {
    const first = running[0]!;
    const older = await produce(8);
    const watchers = await Promise.all(Array.from({ length: 4 }, () => client(first)));
    for (const w of watchers) await w.subscribe({ id: 'm', stream: 'matches', fields: ['alertId'] });
    const seen = await produce(5);
    for (const w of watchers) expect(alertIds(await w.waitAlerts(5, 'm')).sort()).toEqual([...seen].sort());
    const cursors = watchers.map((w) => w.alerts('m').at(-1)!.cursor as string);
    await stopApi(first);
    for (const w of watchers) expect((await w.waitClosed()).code).toBe(1001);

    // Published while no api process ran: what the resuming clients missed.
    const missed = await produce(12);
    const second = await startApi();
    const back = await Promise.all(cursors.map(() => client(second)));
    await Promise.all(back.map((c, i) => c.subscribe({ id: 'm', stream: 'matches', fields: ['alertId'], cursor: cursors[i] })));
    const fresh = await client(second);
    await fresh.subscribe({ id: 'm', stream: 'matches', fields: ['alertId'] });
    const after = await produce(3);

    for (const c of back) {
      const ids = alertIds(await c.waitAlerts(15, 'm'));
      expect(ids.sort()).toEqual([...missed, ...after].sort());
    }
    expect(alertIds(await fresh.waitAlerts(3, 'm')).sort()).toEqual([...after].sort());
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const c of back) expect(c.alerts('m')).toHaveLength(15);
    expect(fresh.alerts('m')).toHaveLength(3);
    expect(alertIds(fresh.alerts('m')).some((id) => [...older, ...seen, ...missed].includes(id))).toBe(false);
    expect(await resumes(second, 'window')).toBe(4);
    expect(await resumes(second, 'kafka')).toBe(0);
  });
});
