import { parseArgs } from 'node:util';
import { createClickHouse } from '../clickhouse/client.js';
import { clickhouseReadiness, kafkaReadiness } from '../api/readiness.js';
import { buildApi } from '../api/server.js';
import { startApiServices, type RunningApiServices } from '../api/services.js';
import type { FastifyInstance } from 'fastify';
import { archiveQueries } from '../clickhouse/archive-queries.js';
import { allFields } from '../alert/catalogue.js';
import { catalogueColumns } from '../sink/columns.js';
import { createKafka } from '../kafka/client.js';
import { createMetricsRegistry } from '../metrics/registry.js';
import { installSignalHandlers, stopAll, type Stoppable } from '../runner/index.js';
import type { Command, CommandContext } from './main.js';
import { parseRoles, roleNames, startRole, type RoleName } from './roles.js';

export interface RunningRoles {
  components: Stoppable[];
  /** Resolves when a component stops by itself (an error), after everything was stopped. */
  finished: Promise<number>;
  stop(): Promise<boolean>;
  /** The api role's state (users, tokens, filters), when that role runs here. */
  services?: RunningApiServices;
}

/**
 * Starts the chosen roles in this process, plus the HTTP server every process has (/healthz,
 * /readyz, /metrics; the api role's routes on top). SIGINT/SIGTERM stop everything in order.
 */
export async function startRoles(roles: RoleName[], { config, logger }: CommandContext, options: { signals?: boolean } = {}): Promise<RunningRoles> {
  const registry = createMetricsRegistry();
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  await admin.connect();
  const clickhouse = createClickHouse(config);
  const components: Stoppable[] = [];
  let services: RunningApiServices | undefined;
  let http: FastifyInstance | undefined;
  try {
    for (const role of roles) components.push(...(await startRole(role, { config, logger, registry, kafka })));
    // The api role answers /api/v1 from users, tokens and filters followed from their topics, caught up first.
    if (roles.includes('api')) services = await startApiServices(kafka, config, logger, { registry, statsTopic: config.topics.filterStats, archive: archiveQueries(clickhouse, config.clickhouse.database, catalogueColumns(allFields())) });
    http = buildApi({ config, logger, registry, readiness: [kafkaReadiness(admin), clickhouseReadiness(clickhouse)], services });
    await http.listen({ host: config.api.host, port: config.api.port });
  } catch (err) {
    await stopAll(components.reverse(), logger);
    await Promise.allSettled([admin.disconnect(), clickhouse.close(), http?.close(), services?.stop()]);
    throw err;
  }
  const server = http;
  const infrastructure: Stoppable[] = [
    { name: 'http', stop: () => server.close() },
    ...(services ? [{ name: 'api-state', stop: () => services!.stop() }] : []),
    { name: 'kafka-admin', stop: () => admin.disconnect() },
    { name: 'clickhouse', stop: () => clickhouse.close() },
  ];
  logger.info({ roles, api: `http://${config.api.host}:${config.api.port}` }, 'nightjar running');

  // Stop order: the roles' components first (runners stop intake, drain and commit; followers
  // disconnect), then the HTTP server and shared clients they used.
  let stopped: Promise<boolean> | undefined;
  const stop = (): Promise<boolean> =>
    (stopped ??= (async () => {
      const rolesClean = await stopAll(components, logger);
      const infraClean = await stopAll(infrastructure, logger);
      return rolesClean && infraClean;
    })());
  const finished = new Promise<number>((resolve) => {
    for (const component of components) {
      component.finished?.().then(
        () => undefined,
        (err: unknown) => {
          logger.error({ err, component: component.name }, 'component stopped with an error; shutting down');
          void stop().then(() => resolve(1));
        },
      );
    }
  });
  if (options.signals ?? true) installSignalHandlers([{ name: 'nightjar', stop: async () => {
    if (!(await stop())) throw new Error('some components did not stop cleanly');
  } }], { logger });
  return { components, finished, stop, services };
}

export const runCommand: Command = {
  name: 'run',
  usage: `run --roles ${roleNames.join(',')}`,
  summary: 'run the chosen roles against the configured Kafka and ClickHouse',
  service: true,
  async run(argv, ctx) {
    const { values } = parseArgs({ args: argv, options: { roles: { type: 'string', default: roleNames.join(',') } }, strict: true });
    const running = await startRoles(parseRoles(values.roles!), ctx);
    return running.finished;
  },
};
