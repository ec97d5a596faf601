import { parseArgs } from 'node:util';
import type { Kafka } from 'kafkajs';
import type { Config } from '../config/index.js';
import { sampleAlertsDir } from '../ingest/synthetic.js';
import { createKafka } from '../kafka/client.js';
import type { Logger } from '../log/logger.js';
import { servicesCommand } from '../services/cli.js';
import type { Command } from './main.js';
import { replayCommand } from './replay.js';
import { ensureFirstAdmin, FIRST_ADMIN } from '../platform/bootstrap.js';
import { roleNames } from './roles.js';
import { startRoles } from './run.js';

/**
 * `nightjar up`: the local services (started and installed if needed), then every role in this
 * process, then the bundled real alerts replayed through it, each printed as it comes out of the
 * worker — so a newcomer sees the broker work within a minute of cloning.
 */
export const upCommand: Command = {
  name: 'up',
  usage: 'up [--no-samples]',
  summary: 'start local Kafka and ClickHouse if needed, run all roles in one process, replay the bundled real alerts',
  service: true,
  async run(argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { 'no-samples': { type: 'boolean', default: false } }, strict: true });
    const { config, logger } = ctx;
    const servicesExit = await servicesCommand(['start'], config, logger);
    if (servicesExit !== 0) return servicesExit;
    const running = await startRoles([...roleNames], ctx);
    const api = `http://${config.api.host}:${config.api.port}`;
    process.stdout.write(`\nNightjar is running: dashboard ${api}/, API ${api}/api/v1 (docs ${api}/docs), /healthz, /readyz, /metrics. Ctrl-C stops it.\n`);
    const admin = running.services ? await ensureFirstAdmin(running.services.platform, logger) : { created: false };
    if (admin.token) {
      process.stdout.write(`\nFirst administrator "${FIRST_ADMIN}" created. Its API token, shown only this once (valid 90 days):\n\n  ${admin.token}\n\nUse it as "Authorization: Bearer <token>" or paste it into the dashboard. More: nightjar token create --user NAME\n\n`);
    }
    const kafka = createKafka(config, logger);
    const tail = await printEnriched(kafka, config, logger);
    running.components.unshift({ name: 'enriched-tail', stop: tail });
    if (!values['no-samples']) {
      for (const survey of ['ztf', 'lsst'] as const) {
        await replayCommand([sampleAlertsDir(survey), '--topic', survey === 'ztf' ? config.topics.ztf : config.topics.lsst], config, logger);
      }
    }
    return running.finished;
  },
};

/** Prints one line per enriched alert: what a newcomer watches arrive. */
async function printEnriched(kafka: Kafka, config: Config, logger: Logger): Promise<() => Promise<void>> {
  const consumer = kafka.consumer({ groupId: `nightjar-up-tail-${process.pid}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topics.enriched, fromBeginning: false });
  // Replaying starts only once the tail has joined, so it misses none of the replayed alerts.
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      try {
        const a = JSON.parse(message.value?.toString('utf8') ?? '{}') as Record<string, unknown>;
        const mag = typeof a.mag === 'number' ? a.mag.toFixed(2) : '—';
        const xmatch = a.xmatch as Record<string, { count?: number }> | undefined;
        const nearStar = (xmatch?.brightstars?.count ?? 0) > 0 ? ' near a bright star' : '';
        process.stdout.write(`alert ${String(a.survey)} ${String(a.objectId)} ${String(a.alertId)}  ra=${Number(a.ra).toFixed(5)} dec=${Number(a.dec).toFixed(5)}  ${String(a.band ?? '?')}=${mag}${nearStar}\n`);
      } catch (err) {
        logger.debug({ err }, 'unprintable enriched record');
      }
    },
  });
  await joined;
  return () => consumer.disconnect();
}
