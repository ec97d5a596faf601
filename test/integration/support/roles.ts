import { createServer } from 'node:net';
import type { Config } from '../../../src/config/index.js';
import type { KafkaKit } from '../../helpers/index.js';
import { compactedTopic, streamTopic } from './alerts.js';

/** A TCP port free on loopback now (for a test's API server). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * A fresh set of every topic the roles use, named after `prefix` and deleted with the kit: survey
 * input, enriched and dead letters as stream topics, platform state as compacted topics, notices.
 */
export async function roleTopics(kit: KafkaKit, prefix: string): Promise<Partial<Config['topics']>> {
  const compacted = async (name: string) => compactedTopic(kit, `${prefix}-${name}`);
  return {
    input: [await streamTopic(kit, `${prefix}-input`)],
    enriched: await streamTopic(kit, `${prefix}-enriched`),
    deadLetter: await streamTopic(kit, `${prefix}-dlq`),
    users: await compacted('users'),
    tokens: await compacted('tokens'),
    filters: await compacted('filters'),
    filterStats: await compacted('stats'),
    models: await compacted('models'),
    jobs: await compacted('jobs'),
    watchlists: await compacted('watch'),
    notices: await kit.createTopic({ prefix: `${prefix}-notices` }),
  };
}
