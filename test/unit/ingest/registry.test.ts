import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDecoder } from '../../../src/ingest/index.js';
import { confluentFrame, loadRubinSchemas } from '../../../src/ingest/wire.js';
import { errorCodes, okAlerts, realFile, testConfig } from './support.js';

/**
 * A stand-in for the Rubin Confluent Schema Registry (which cannot run here): an in-process HTTP
 * server answering GET /schemas/ids/{id} as the registry does, serving the bundled 11.1 alert
 * schema under ids the decoder does not bundle.
 */
const schemaText = JSON.stringify(loadRubinSchemas(new URL('../../../schemas/lsst/', import.meta.url).pathname).get('11.1')!.type.schema());
const SERVED_ID = 424_242;
const FAILING_ID = 500_500;
let server: Server;
let url: string;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const id = Number(/^\/schemas\/ids\/(\d+)/.exec(req.url ?? '')?.[1]);
    res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
    if (id === SERVED_ID) res.end(JSON.stringify({ schema: schemaText }));
    else if (id === FAILING_ID) res.writeHead(500).end(JSON.stringify({ error_code: 50001, message: 'Error in the backend data store' }));
    else res.writeHead(404).end(JSON.stringify({ error_code: 40403, message: 'Schema not found' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The real 11.1 sample's record under another schema id. */
function framedWith(id: number): Buffer {
  return confluentFrame(id, realFile('lsst/alerts/sample.lsst.v11_1.avro').subarray(5));
}

describe('schema registry (in-process stand-in for the Rubin registry)', () => {
  it('fetches an unknown schema id once, then decodes from the cache', async () => {
    const decoder = new AlertDecoder({ config: testConfig({}, url) });
    requests.length = 0;
    const [first] = okAlerts(await decoder.decodeMessage(framedWith(SERVED_ID)));
    const [second] = okAlerts(await decoder.decodeMessage(framedWith(SERVED_ID)));
    expect(first!.objectId).toBe('281323062375219201');
    expect(second).toEqual(first);
    expect(requests).toEqual([`/schemas/ids/${SERVED_ID}`]);
    expect(decoder.knownSchemaIds()).toContain(SERVED_ID);
    // Bundled ids never reach the registry.
    okAlerts(await decoder.decodeMessage(realFile('lsst/alerts/sample.lsst.v9_0.avro')));
    expect(requests).toHaveLength(1);
  });

  it('dead-letters an id the registry does not know (404)', async () => {
    const decoder = new AlertDecoder({ config: testConfig({}, url) });
    const [outcome] = await decoder.decodeMessage(framedWith(777));
    expect(errorCodes([outcome!])).toEqual(['DECODE_UNKNOWN_SCHEMA']);
    expect(!outcome!.ok && outcome!.error.retriable).toBe(false);
  });

  it('reports a failing or unreachable registry as retriable', async () => {
    const failing = new AlertDecoder({ config: testConfig({}, url) });
    const [failed] = await failing.decodeMessage(framedWith(FAILING_ID));
    expect(errorCodes([failed!])).toEqual(['SCHEMA_REGISTRY_UNAVAILABLE']);
    expect(!failed!.ok && failed!.error.retriable).toBe(true);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = new AlertDecoder({ config: testConfig({}, `http://127.0.0.1:${port}`) });
    const [outcome] = await unreachable.decodeMessage(framedWith(SERVED_ID));
    expect(errorCodes([outcome!])).toEqual(['SCHEMA_REGISTRY_UNAVAILABLE']);
    expect(!outcome!.ok && outcome!.error.retriable).toBe(true);
    // The failure is not cached: once the registry answers, the id decodes.
    okAlerts(await failing.decodeMessage(framedWith(SERVED_ID)));
  });

  it('takes an injected schema source instead of the registry client', async () => {
    const asked: number[] = [];
    const decoder = new AlertDecoder({ config: testConfig(), registryClient: { schemaById: async (id) => (asked.push(id), JSON.parse(schemaText)) } });
    okAlerts(await decoder.decodeMessage(framedWith(31)));
    expect(asked).toEqual([31]);
  });
});
