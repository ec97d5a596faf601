import { Kafka, logLevel } from 'kafkajs';

/** One probe must stay short: the caller polls it until its own deadline. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * True when a broker answers a metadata request (describeCluster). A probe of its own rather
 * than the shared client factory: no retries and no logging, since "not yet" is the expected
 * answer while a broker starts.
 */
export async function kafkaAnswers(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'nightjar-health',
    brokers,
    connectionTimeout: 1_000,
    requestTimeout: PROBE_TIMEOUT_MS,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when ClickHouse answers `SELECT 1` over HTTP with 1. */
export async function clickhouseAnswers(url: string, username: string, password: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/?query=SELECT%201', url), {
      headers: { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    return response.ok && (await response.text()).trim() === '1';
  } catch {
    return false;
  }
}
