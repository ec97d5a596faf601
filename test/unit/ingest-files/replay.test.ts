import { describe, expect, it } from 'vitest';
import type { Message } from 'kafkajs';
import { readAlertMessages } from '../../../src/ingest/files.js';
import {
  isReplayFailure,
  outgoingFromFiles,
  replay,
  TokenBucket,
  type Clock,
  type OutgoingAlert,
  type ReplayItem,
} from '../../../src/ingest/replay.js';
import { confluentSchemaId, detectWireFormat, loadRubinSchemas, ocfRecords } from '../../../src/ingest/wire.js';
import { DATA, LSST_SCHEMAS, manifest } from './data.js';

const schemas = loadRubinSchemas(LSST_SCHEMAS);

async function outgoing(paths: string[]): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const item of outgoingFromFiles(readAlertMessages(paths), schemas)) items.push(item);
  return items;
}

/** A producer that records every batch, and a clock that advances only when slept. */
function fakes() {
  const sent: { topic: string; messages: Message[] }[][] = [];
  const producer = {
    sendBatch: async ({ topicMessages }: { topicMessages: { topic: string; messages: Message[] }[] }) => {
      sent.push(topicMessages);
      return [];
    },
  };
  const sleeps: number[] = [];
  let now = 1_000_000;
  const clock: Clock = {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
  const messages = () => sent.flat().flatMap((batch) => batch.messages.map((m) => ({ ...m, topic: batch.topic })));
  return { producer, clock, sent, sleeps, messages };
}

function alert(i: number, observedAtMs: number | null = null, size = 10): OutgoingAlert {
  return { source: `a${i}`, survey: 'ztf', framing: 'ocf', key: `k${i}`, value: Buffer.alloc(size, i), observedAtMs };
}

async function* items(list: ReplayItem[]): AsyncGenerator<ReplayItem> {
  yield* list;
}

describe('turning the real files into wire messages', () => {
  it('gives one message per alert record, keyed as the surveys key them, in the right framing', async () => {
    const out = await outgoing([`${DATA}ztf/alerts`, `${DATA}lsst/alerts`]);
    expect(out.filter(isReplayFailure)).toEqual([]);
    const alerts = out as OutgoingAlert[];
    const rows = manifest();
    expect(alerts).toHaveLength(rows.length);
    // The solar-system alert (diaObjectId 0) is keyed by its ssObjectId.
    const expectedKeys = rows.map((r) => (r.objectId === '0' ? '21163624394469969' : r.objectId));
    expect(alerts.map((a) => a.key).sort()).toEqual(expectedKeys.sort());
    for (const a of alerts.filter((x) => x.survey === 'ztf')) {
      expect(a.framing).toBe('ocf');
      expect(ocfRecords(a.value)).toHaveLength(1);
      expect(ocfRecords(a.value)[0]!.objectId).toBe(a.key);
    }
    for (const a of alerts.filter((x) => x.survey === 'lsst')) {
      expect(a.framing).toBe('confluent');
      expect([900, 1000, 1100, 1101]).toContain(confluentSchemaId(a.value));
    }
  });

  it('passes single-record ZTF containers and Confluent alerts through byte for byte', async () => {
    const [ztf] = (await outgoing([`${DATA}ztf/alerts/ZTF19acxxwrs.avro`])) as OutgoingAlert[];
    const [rubin] = (await outgoing([`${DATA}lsst/alerts/7912941781254298.avro`])) as OutgoingAlert[];
    for await (const file of readAlertMessages([`${DATA}ztf/alerts/ZTF19acxxwrs.avro`, `${DATA}lsst/alerts/7912941781254298.avro`])) {
      const expected = (file as { bytes: Uint8Array }).bytes;
      const got = file.source.endsWith('ZTF19acxxwrs.avro') ? ztf! : rubin!;
      expect(Buffer.from(expected).equals(got.value)).toBe(true);
    }
    expect(rubin!.key).toBe('7912941781254298');
    // candidate.jd 2458832.8... → December 2019; Rubin midpointMjdTai → 2024 or later.
    expect(new Date(ztf!.observedAtMs!).getUTCFullYear()).toBe(2019);
  });

  it("republishes Fink's Rubin container as Confluent 10.0 alerts keyed by diaObjectId (ssObjectId for the solar-system one)", async () => {
    const out = (await outgoing([`${DATA}lsst/alerts/fink_rubin_4alerts.avro`])) as OutgoingAlert[];
    expect(out.map((a) => confluentSchemaId(a.value))).toEqual([1000, 1000, 1000, 1000]);
    expect(out.map((a) => a.key)).toEqual(['170028485706776685', '313897383979122767', '170028513894596704', '21163624394469969']);
    expect(out.map((a) => a.source)).toEqual([0, 1, 2, 3].map((i) => `${DATA}lsst/alerts/fink_rubin_4alerts.avro#${i}`));
  });

  it('reports undecodable input as a failure item with a catalogue code, and goes on', async () => {
    async function* files() {
      yield { source: 'junk', bytes: Buffer.from('hello') };
      yield { source: 'truncated', bytes: Buffer.from([0x4f, 0x62, 0x6a, 0x01, 0x04]) };
      yield { source: 'ok', bytes: Buffer.from(await import('node:fs').then((fs) => fs.readFileSync(`${DATA}ztf/alerts/ZTF19acxxwrs.avro`))) };
    }
    const out: ReplayItem[] = [];
    for await (const item of outgoingFromFiles(files(), schemas)) out.push(item);
    expect(out.map((item) => (isReplayFailure(item) ? item.error.code : 'ok'))).toEqual(['DECODE_UNKNOWN_FORMAT', 'DECODE_TRUNCATED', 'ok']);
    expect(detectWireFormat(Buffer.from('hello'))).toBeNull();
  });
});

describe('replay', () => {
  it('publishes every message with its key and headers, counts failures, and batches under the byte limit', async () => {
    const f = fakes();
    const list: ReplayItem[] = [alert(1, null, 400), alert(2, null, 400), { source: 'bad', error: new (await import('../../../src/errors/index.js')).NightjarError('DECODE_EMPTY', 'empty') }, { ...alert(3, null, 400), headers: { 'nightjar-synthetic': '1' } }];
    const failures: string[] = [];
    const counts = await replay({ producer: f.producer, messages: () => items(list), topic: 't', clock: f.clock, maxBatchBytes: 1000, onFailure: (x) => failures.push(x.source) });
    expect(counts).toMatchObject({ sent: 3, failed: 1, bytes: 1200, pass: 1, ocf: 3, confluent: 0 });
    expect(failures).toEqual(['bad']);
    expect(f.sent.map((batch) => batch[0]!.messages.length)).toEqual([2, 1]);
    expect(f.messages().map((m) => m.key)).toEqual(['k1', 'k2', 'k3']);
    expect(f.messages()[2]!.headers).toEqual({ 'nightjar-synthetic': '1' });
    expect(f.messages().every((m) => m.timestamp === '1000000' && m.topic === 't')).toBe(true);
  });

  it('routes by a topic function', async () => {
    const f = fakes();
    const list = [alert(1), { ...alert(2), survey: 'lsst' as const }];
    await replay({ producer: f.producer, messages: () => items(list), topic: (a) => `${a.survey}-in`, clock: f.clock });
    expect(f.messages().map((m) => `${m.topic}:${m.key}`)).toEqual(['ztf-in:k1', 'lsst-in:k2']);
  });

  it('paces by the token bucket: 100 messages at 50/s take about two seconds of sleeping', async () => {
    const f = fakes();
    const list = Array.from({ length: 100 }, (_, i) => alert(i));
    await replay({ producer: f.producer, messages: () => items(list), topic: 't', ratePerSec: 50, clock: f.clock });
    const slept = f.sleeps.reduce((a, b) => a + b, 0);
    // The bucket starts with 2.5 tokens (a twentieth of a second), so the rest wait 20 ms each.
    expect(slept).toBeCloseTo((100 - 2.5) * 20, 0);
    expect(f.messages()).toHaveLength(100);
  });

  it('under --speedup waits the observed gaps divided by the factor and stamps messages with the observation time', async () => {
    const f = fakes();
    const list = [alert(1, 5_000_000), alert(2, 5_600_000), alert(3, 5_500_000), alert(4, 6_500_000), alert(5, null)];
    await replay({ producer: f.producer, messages: () => items(list), topic: 't', speedup: 100, maxGapMs: 8000, clock: f.clock });
    // +600 s → 6 s; −100 s → none; +1000 s → 10 s, capped at 8 s.
    expect(f.sleeps).toEqual([6000, 8000]);
    expect(f.messages().map((m) => m.timestamp)).toEqual(['5000000', '5600000', '5500000', '6500000', String(1_000_000 + 14_000)]);
  });

  it('--loop starts again until aborted, and stops when a pass publishes nothing', async () => {
    const f = fakes();
    const stop = new AbortController();
    const counts = await replay({
      producer: f.producer,
      messages: () => items([alert(1), alert(2)]),
      topic: 't',
      loop: true,
      signal: stop.signal,
      clock: f.clock,
      onProgress: (p) => p.sent >= 6 && stop.abort(),
    });
    expect(counts.sent).toBe(6);
    expect(counts.pass).toBe(3);
    const empty = await replay({ producer: f.producer, messages: () => items([]), topic: 't', loop: true, clock: f.clock });
    expect(empty).toMatchObject({ sent: 0, pass: 1 });
  });
});

describe('TokenBucket', () => {
  it('allows a burst of a twentieth of a second, then one message per 1/rate', () => {
    const bucket = new TokenBucket(1000, 0);
    const waits = Array.from({ length: 52 }, () => bucket.take(0));
    expect(waits.slice(0, 50).every((w) => w === 0)).toBe(true);
    expect(waits[50]).toBeCloseTo(1, 6);
    expect(waits[51]).toBeCloseTo(2, 6);
    expect(bucket.take(1000)).toBe(0);
    expect(() => new TokenBucket(0, 0)).toThrow(RangeError);
  });
});
