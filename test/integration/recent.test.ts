import kafkajs, { type Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { TopicTail } from '../../src/api/sources/recent.js';
import { silentLogger } from '../../src/log/logger.js';
import { registerCleanup, uniqueName, waitFor, withKafka, type KafkaKit } from '../helpers/index.js';

/** The preview consumer groups whose members read `topic` (each TopicTail keeps at most one). */
async function previewGroupsReading(admin: Admin, topic: string): Promise<string[]> {
  const { groups } = await admin.listGroups();
  const previews = groups.map((g) => g.groupId).filter((id) => id.startsWith('nightjar-preview-'));
  if (previews.length === 0) return [];
  const described = await admin.describeGroups(previews);
  return described.groups
    .filter((g) => g.members.some((m) => kafkajs.AssignerProtocol.MemberMetadata.decode(m.memberMetadata)?.topics.includes(topic)))
    .map((g) => g.groupId);
}

function tailOf(kit: KafkaKit, input: string[], keepMs?: number): TopicTail {
  const tail = new TopicTail(kit.kafka, { ...kit.config, topics: { ...kit.config.topics, input } }, silentLogger(), keepMs);
  registerCleanup(() => tail.stop());
  return tail;
}

const values = (messages: { value: Buffer }[]) => messages.map((m) => m.value.toString());

describe('TopicTail (the newest survey messages, for filter previews)', () => {
  it('returns the newest messages first, and those written without a usable timestamp last with none', async () => {
    const kit = await withKafka();
    const topic = await kit.createTopic({ prefix: 'recent' });
    const now = Date.now();
    await kit.producer.send({
      topic,
      acks: -1,
      messages: [
        { key: 'older', value: 'a', timestamp: String(now - 60_000) },
        // -1: the "no timestamp" of the record format; 9e15 ms: a timestamp no Date can hold (±8.64e15).
        { key: 'none', value: 'b', timestamp: '-1' },
        { key: 'newer', value: 'c', timestamp: String(now) },
        { key: 'far', value: 'd', timestamp: '9000000000000000' },
      ],
    });

    const newest = await tailOf(kit, [topic]).newest(10);

    expect(values(newest)).toEqual(['c', 'a', 'd', 'b']);
    expect(newest.map((m) => m.timestamp)).toEqual([new Date(now).toISOString(), new Date(now - 60_000).toISOString(), null, null]);
  });

  it('keeps its consumer between requests, serves requests in turn, and builds a new one when a new input topic appears', async () => {
    const kit = await withKafka();
    const prefix = uniqueName('tail').replace(/[^a-z0-9]/gi, '');
    const first = await kit.createTopic({ prefix, partitions: 3 });
    const send = (topic: string, from: number, count: number) =>
      kit.producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, value: `m${from + i}`, timestamp: String(1_700_000_000_000 + (from + i) * 1_000) })) });
    await send(first, 0, 30);
    const tail = tailOf(kit, [`/^${prefix}.*/`]);

    expect(values(await tail.newest(5))).toEqual(['m29', 'm28', 'm27', 'm26', 'm25']);
    const groups = await previewGroupsReading(kit.admin, first);
    expect(groups).toHaveLength(1);

    // Later messages, read by the same (paused, then resumed) consumer; two requests at once take turns.
    await send(first, 30, 10);
    const [five, all] = await Promise.all([tail.newest(5), tail.newest(100)]);
    expect(values(five)).toEqual(['m39', 'm38', 'm37', 'm36', 'm35']);
    expect(all).toHaveLength(40);
    expect(new Set(all.map((m) => `${m.partition}:${m.offset}`)).size).toBe(40);
    expect(await previewGroupsReading(kit.admin, first)).toEqual(groups);

    // A topic matching the pattern appears: a consumer for both topics replaces the kept one.
    const second = await kit.createTopic({ prefix, partitions: 1 });
    await send(second, 40, 3);
    expect(values(await tail.newest(4))).toEqual(['m42', 'm41', 'm40', 'm39']);
    const replaced = await previewGroupsReading(kit.admin, second);
    expect(replaced).toHaveLength(1);
    expect(replaced).not.toEqual(groups);
    expect(await previewGroupsReading(kit.admin, first)).toEqual(replaced);

    await tail.stop();
    expect(await previewGroupsReading(kit.admin, first)).toEqual([]);
    await expect(tail.newest(1)).rejects.toThrow(/stopping/);
  });

  it('lets its consumer go once no preview came for the keep time, and builds one again for the next', async () => {
    const kit = await withKafka();
    const topic = await kit.createTopic({ prefix: 'recent-keep' });
    await kit.producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'only' }] });
    const tail = tailOf(kit, [topic], 2_000);

    expect(values(await tail.newest(5))).toEqual(['only']);
    expect(await previewGroupsReading(kit.admin, topic)).toHaveLength(1);
    await waitFor(async () => (await previewGroupsReading(kit.admin, topic)).length === 0, { timeoutMs: 15_000, message: 'the kept consumer to leave after the keep time' });
    expect(values(await tail.newest(5))).toEqual(['only']);
  });
});
