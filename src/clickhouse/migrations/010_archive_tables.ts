import type { ClickHouseClient } from '@clickhouse/client';
import { allFields } from '../../alert/catalogue.js';
import '../../alert/fields.js';
import type { Config } from '../../config/index.js';
import { createArchiveTables } from '../../sink/schema.js';

/**
 * The archive tables of the sink (docs/archive.md): alerts, alert_positions, objects,
 * lightcurve_points, cutouts, matches. The alerts columns come from the field catalogue as it is
 * when the migration runs; fields registered later are added by the sink at start.
 */
export const description = 'archive tables: alerts, alert_positions, objects, lightcurve_points, cutouts, matches';

export async function up(client: ClickHouseClient, config: Config): Promise<void> {
  await createArchiveTables(client, config.clickhouse.database, allFields());
}
