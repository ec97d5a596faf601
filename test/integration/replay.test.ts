/**
 * Replays the real alert files and synthetic alerts to a real Kafka broker through the
 * `nightjar replay` command, reads them back and checks keys, framing, headers, timestamps and
 * that every value decodes to the same alert ids as the source files.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayCommand } from '../../src/cli/replay.js';
import { kafkaBrokers, loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { SYNTHETIC_ID_MIN } from '../../src/ingest/synthetic.js';
import { confluentSchemaId, decodeRubin, isOcf, loadRubinSchemas, ocfRecords } from '../../src/ingest/wire.js';
import { DATA, LSST_SCHEMAS, manifest } from '../unit/ingest-files/data.js';

const config = loadConfig();
const kafka = new Kafka({ clientId: 'nightjar-replay-test', brokers: kafkaBrokers(config), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const rubinSchemas = loadRubinSchemas(LSST_SCHEMAS);
const created: string[] = [];

async function newTopic(): Promise<string> {
  const topic = `nightjar-test-replay-${randomUUID()}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  created.push(topic);
  return topic;
}

/** Reads `count` messages from the start of the topic. */
async function consume(topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: `nightjar-test-${randomUUID()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${messages.length} of ${count} messages arrived`)), 60_000);
    void consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (messages.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return messages;
}

/** candid, or the triggering diaSource's id (the simulated samples' top-level diaSourceId differs from it). */
function alertIdOf(value: Buffer): string {
  const record = isOcf(value) ? ocfRecords(value)[0]! : decodeRubin(rubinSchemas, value);
  return String(record.candid ?? (record.diaSource as { diaSourceId: bigint }).diaSourceId);
}

async function run(argv: string[]): Promise<{ status: number; stderr: string }> {
  let stderr = '';
  const status = await replayCommand(argv, config, silentLogger(), { stderr: { write: (text: string) => (stderr += text) }, rubinSchemaDir: LSST_SCHEMAS });
  return { status, stderr };
}

beforeAll(async () => {
  await admin.connect();
});

afterAll(async () => {
  if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
  await admin.disconnect();
});

describe('nightjar replay against a real broker', () => {
  it('publishes every real alert in its survey wire format, keyed by object, decoding to the source ids', async () => {
    const topic = await newTopic();
    const { status, stderr } = await run([`${DATA}ztf/alerts`, `${DATA}lsst/alerts`, '--topic', topic]);
    expect(status, stderr).toBe(0);
    const rows = manifest();
    const messages = await consume(topic, rows.length);
    expect(messages).toHaveLength(rows.length);
    const expected = rows.map((r) => `${r.objectId === '0' ? '21163624394469969' : r.objectId}/${r.alertId}`).sort();
    const got = messages.map((m) => `${m.key!.toString()}/${alertIdOf(m.value!)}`).sort();
    expect(got).toEqual(expected);
    for (const message of messages) {
      const key = message.key!.toString();
      if (key.startsWith('ZTF')) {
        expect(isOcf(message.value!)).toBe(true);
        expect(ocfRecords(message.value!)).toHaveLength(1);
      } else {
        expect([900, 1000, 1100, 1101]).toContain(confluentSchemaId(message.value!));
      }
      expect(message.headers?.['nightjar-synthetic']).toBeUndefined();
    }
  });

  it('under --speedup stamps each message with its observation time', async () => {
    const topic = await newTopic();
    const { status } = await run([`${DATA}ztf/alerts/ZTF19acxxwrs.avro`, `${DATA}ztf/alerts/ZTF19acihgng.avro`, '--topic', topic, '--speedup', '1e12', '--max-gap', '0.01']);
    expect(status).toBe(0);
    const messages = await consume(topic, 2);
    for (const message of messages) {
      const jd = (ocfRecords(message.value!)[0]!.candidate as { jd: number }).jd;
      expect(Number(message.timestamp)).toBe(Math.round((jd - 2440587.5) * 86_400_000));
    }
  });

  it('publishes synthetic Rubin alerts with the marking header, unique keys and synthetic ids', async () => {
    const topic = await newTopic();
    const { status, stderr } = await run(['--synthetic', '15', '--survey', 'lsst', '--topic', topic, '--seed', '21', '--rate', '200']);
    expect(status, stderr).toBe(0);
    expect(stderr).toContain('seed 21');
    const messages = await consume(topic, 15);
    expect(new Set(messages.map((m) => m.key!.toString())).size).toBe(15);
    for (const message of messages) {
      expect(message.headers?.['nightjar-synthetic']?.toString()).toBe('1');
      const record = decodeRubin(rubinSchemas, message.value!);
      expect(record.diaSourceId as bigint).toBeGreaterThanOrEqual(SYNTHETIC_ID_MIN);
      expect(String((record.diaSource as { diaObjectId: bigint }).diaObjectId)).toBe(message.key!.toString());
    }
  });

  it('exits 1 and names the source when an input cannot be read, after publishing the rest', async () => {
    const topic = await newTopic();
    const { status, stderr } = await run([`${DATA}ztf/alerts/no-such-file.avro`, `${DATA}ztf/alerts/ZTF19acxxwrs.avro`, '--topic', topic]);
    expect(status).toBe(1);
    expect(stderr).toMatch(/no-such-file\.avro: INPUT_UNREADABLE/);
    expect(await consume(topic, 1)).toHaveLength(1);
  });
});
