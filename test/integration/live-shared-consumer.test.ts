import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { AssignerProtocol } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.js';
import { startApiServices, type RunningApiServices } from '../../src/api/services.js';
import { userTopic } from '../../src/filter/model.js';
import { silentLogger } from '../../src/log/logger.js';
import { createMetricsRegistry } from '../../src/metrics/registry.js';
import { testConfig, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';
import { compactedTopic } from './support/alerts.js';
import { LiveTestClient, type Frame } from './support/live-client.js';

/**
 * The api role follows every topic its live subscribers read with one Kafka consumer
 * (src/live/fetcher.ts), rebuilt make-before-break when the set of followed topics changes. A
 * subscription to another user's topic, added, removed and added again while a first user's
 * matches stream steadily, must cost that stream no message and repeat none.
 */
describe('live feeds: one consumer for every followed topic', () => {
  let kit: KafkaKit;
  let services: RunningApiServices;
  let app: FastifyInstance;
  let url: string;
  const groupPrefix = uniqueName('livegrp');
  const users = { steady: uniqueName('steady'), joiner: uniqueName('joiner'), leaver: uniqueName('leaver') };
  const tokens = { steady: '', joiner: '', leaver: '' };
  const clients: LiveTestClient[] = [];
  let seq = 0;

  const client = (token: string): LiveTestClient => {
    const c = new LiveTestClient(url, { token });
    clients.push(c);
    return c;
  };
  const produce = async (owner: string, count: number): Promise<string[]> => {
    const ids = Array.from({ length: count }, () => `m${++seq}`);
    await kit.producer.send({
      topic: userTopic(owner),
      acks: -1,
      messages: ids.map((alertId, i) => ({ key: `obj${i % 5}`, value: JSON.stringify({ filter: { id: `${owner}-f`, version: 1, owner }, matchedAt: new Date().toISOString(), alert: { alertId } }), headers: { 'nightjar-filter-id': `${owner}-f` } })),
    });
    return ids;
  };
  const alertIds = (frames: Frame[]): string[] => frames.map((f) => (f.data as { alertId: string }).alertId);

  /** Per live consumer group of this test that has members: the topics assigned to it. */
  const liveGroups = async (): Promise<string[][]> => {
    const ids = (await kit.admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith(`${groupPrefix}-live-`));
    if (ids.length === 0) return [];
    const { groups } = await kit.admin.describeGroups(ids);
    return groups
      .filter((g) => g.members.length > 0)
      .map((g) => g.members.flatMap((m) => Object.keys(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {})).sort());
  };
  /** Waits until exactly one live consumer group has members, reading exactly `topics`. */
  const oneConsumerReading = (topics: string[]) =>
    waitFor(async () => {
      const groups = await liveGroups();
      return groups.length === 1 && JSON.stringify(groups[0]) === JSON.stringify([...topics].sort());
    }, { timeoutMs: 20_000, message: `one live consumer reading ${topics.join(', ')}` });

  beforeAll(async () => {
    kit = await withKafka();
    const config = testConfig({
      topics: {
        users: await compactedTopic(kit, 'lsc-users'),
        tokens: await compactedTopic(kit, 'lsc-tokens'),
        filters: await compactedTopic(kit, 'lsc-filters'),
        notices: await kit.createTopic({ prefix: 'lsc-notices' }),
        enriched: await kit.createTopic({ prefix: 'lsc-enriched' }),
      },
      runner: { groupPrefix },
      kafka: { partitions: 3 },
      live: { idleReaderMs: 300 },
    });
    const registry = createMetricsRegistry({ processMetrics: false });
    services = await startApiServices(kit.kafka, config, silentLogger(), { registry });
    app = buildApi({ config, logger: silentLogger(), registry, readiness: [], services });
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/api/v1/live`;
    for (const [key, name] of Object.entries(users) as [keyof typeof users, string][]) {
      await services.platform.users.create({ name });
      tokens[key] = (await services.platform.tokens.issue({ owner: name, scopes: ['read'], lifetimeMs: 3_600_000 })).token;
      await services.filters.ensureUserTopic(name);
    }
  }, 90_000);

  afterAll(async () => {
    for (const c of clients) c.ws.terminate();
    await app?.close();
    await services?.stop();
    await kit?.admin.deleteTopics({ topics: Object.values(users).map(userTopic) }).catch(() => undefined);
  });

  it('adds and removes a topic while another streams, with no gap and no duplicate on either', async () => {
    const steady = client(tokens.steady);
    await steady.open();
    await steady.subscribe({ id: 's', stream: 'matches', fields: ['alertId'] });
    await oneConsumerReading([userTopic(users.steady)]);

    // The steady user's matches keep arriving, a few every 20 ms, through every change below.
    const streamed: string[] = [];
    let streaming = true;
    const producing = (async () => {
      while (streaming) {
        streamed.push(...(await produce(users.steady, 3)));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const steadyHas = (count: number) => steady.waitAlerts(count, 's');
    await waitFor(() => streamed.length >= 30, { message: 'the steady stream to start' });

    // Added: the consumer is rebuilt for both topics; the joiner gets exactly what is produced after its subscription.
    const joiner = client(tokens.joiner);
    await joiner.open();
    await joiner.subscribe({ id: 'j1', stream: 'matches', fields: ['alertId'] });
    await oneConsumerReading([userTopic(users.steady), userTopic(users.joiner)]);
    const first = await produce(users.joiner, 7);
    expect(alertIds(await joiner.waitAlerts(7, 'j1')).sort()).toEqual([...first].sort());

    // Removed: once its reader is idle the consumer is rebuilt for the steady topic alone.
    joiner.send({ type: 'unsubscribe', id: 'j1' });
    await waitFor(() => joiner.of('unsubscribed').length === 1, { message: 'the unsubscribe reply' });
    await oneConsumerReading([userTopic(users.steady)]);
    const unseen = await produce(users.joiner, 4);

    // Added again: a new reader from the topic's end, so nothing of what was produced meanwhile.
    await joiner.subscribe({ id: 'j2', stream: 'matches', fields: ['alertId'] });
    await oneConsumerReading([userTopic(users.steady), userTopic(users.joiner)]);
    const second = await produce(users.joiner, 5);
    expect(alertIds(await joiner.waitAlerts(5, 'j2')).sort()).toEqual([...second].sort());

    streaming = false;
    await producing;
    const got = alertIds(await steadyHas(streamed.length));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(alertIds(steady.alerts('s'))).toHaveLength(streamed.length);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort()).toEqual([...streamed].sort());
    expect(alertIds(joiner.alerts('j1')).concat(alertIds(joiner.alerts('j2'))).some((id) => unseen.includes(id))).toBe(false);
    // Each partition in order: the positions in the cursors the steady client got never go back.
    const positions = steady.alerts('s').map((f) => (JSON.parse(Buffer.from(f.cursor as string, 'base64url').toString()) as { o: Record<string, number> }).o);
    for (let i = 1; i < positions.length; i++) for (const [p, offset] of Object.entries(positions[i - 1]!)) expect(positions[i]![p]).toBeGreaterThanOrEqual(offset);
  });

  it('keeps streaming the other topics when a followed topic is deleted', async () => {
    const steady = client(tokens.steady);
    await steady.open();
    await steady.subscribe({ id: 'd', stream: 'matches', fields: ['alertId'] });
    const leaver = client(tokens.leaver);
    await leaver.open();
    await leaver.subscribe({ id: 'l', stream: 'matches', fields: ['alertId'] });
    await waitFor(async () => (await liveGroups()).some((topics) => topics.includes(userTopic(users.leaver))), { timeoutMs: 20_000, message: 'the consumer to read the leaver topic' });
    // What deleting a user does to their match topic while a client still follows it.
    await kit.admin.deleteTopics({ topics: [userTopic(users.leaver)] });
    const ids: string[] = [];
    await waitFor(async () => {
      ids.push(...(await produce(users.steady, 1)));
      return alertIds(steady.alerts('d')).length > 0;
    }, { timeoutMs: 40_000, intervalMs: 1_000, message: 'the steady topic to keep streaming' });
    await waitFor(() => steady.alerts('d').length === ids.length, { timeoutMs: 20_000, message: 'every steady message' });
    expect(alertIds(steady.alerts('d')).sort()).toEqual([...ids].sort());
  });
});
