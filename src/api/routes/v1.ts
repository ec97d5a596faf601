import type { FastifyInstance } from 'fastify';
import { registerAuth } from '../auth.js';
import type { ApiServices } from '../context.js';
import { defaultRateLimit, registerRateLimit } from '../rate-limit.js';
import { filterStatusRoutes } from './filter-status.js';
import { filterToolRoutes } from './filter-tools.js';
import { fieldRoutes } from './fields.js';
import { filterPreviewRoutes } from './filter-preview.js';
import { watchOutlineRoutes } from './watch-outlines.js';
import { archiveRoutes } from './archive.js';
import { filterRoutes } from './filters.js';
import { jobRoutes } from './jobs.js';
import { watchRoutes } from './watch.js';
import { meRoutes } from './me.js';
import { statusRoutes } from './status.js';
import { scsRoutes } from './scs.js';
import { streamRoutes } from './streams.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';
import { liveRoutes } from '../../live/route.js';

/** /api/v1: rate limited per token, every route authenticated with the scope it declares. */
export async function v1Routes(app: FastifyInstance, services: ApiServices): Promise<void> {
  await registerRateLimit(app, services.rateLimit ?? defaultRateLimit);
  registerAuth(app, services.platform.credentials, services.clock ?? (() => new Date()));
  // Websocket live feeds (docs/live.md), when this process runs them.
  if (services.live) await liveRoutes(app, services.live, services.platform.credentials, services.clock ?? (() => new Date()));
  // The archive: alerts, objects and light curves, cone search (JSON and IVOA SCS), cutouts.
  for (const routes of [archiveRoutes, scsRoutes]) routes(app, services);
  for (const routes of [jobRoutes, watchRoutes]) routes(app, services);
  for (const routes of [meRoutes, userRoutes, tokenRoutes, filterToolRoutes, filterRoutes, filterStatusRoutes, streamRoutes, fieldRoutes, statusRoutes, filterPreviewRoutes, watchOutlineRoutes]) routes(app, services);
}
