import { parseArgs } from 'node:util';
import { loadCatalogIntoClickHouse } from '../annotate/catalogs/clickhouse.js';
import { configuredCatalogs } from '../annotate/state.js';
import { createClickHouse } from '../clickhouse/client.js';
import { NightjarError } from '../errors/index.js';
import type { Command } from './main.js';

const usage = `catalog list
       nightjar catalog load NAME...`;

/**
 * `nightjar catalog ...`: the configured crossmatch catalogs, and loading the ClickHouse-backed
 * ones (backend "clickhouse" in annotate.catalogsFile) into ClickHouse, streaming from their file.
 * Workers read them from there; loading again replaces a catalog atomically.
 */
export const catalogCommand: Command = {
  name: 'catalog',
  usage: 'catalog list|load NAME...',
  summary: 'list crossmatch catalogs; load the ClickHouse-backed ones (larger than memory) into ClickHouse',
  async run(argv, { config, logger }) {
    const { positionals } = parseArgs({ args: argv, allowPositionals: true, strict: true, options: {} });
    const [action, ...names] = positionals;
    const catalogs = configuredCatalogs(config);
    if (action === 'list' && names.length === 0) {
      for (const c of catalogs) process.stdout.write(`${c.name}\t${c.backend ?? 'memory'}\t${c.radiusArcsec}″\t${c.file}\t${c.columns.join(',')}\n`);
      return 0;
    }
    if (action === 'load' && names.length > 0) {
      const chosen = names.map((name) => {
        const found = catalogs.find((c) => c.name === name);
        if (!found) throw new NightjarError('CLI_USAGE', `no catalog ${name} in annotate.catalogsFile; configured: ${catalogs.map((c) => c.name).join(', ') || 'none'}`);
        if (found.backend !== 'clickhouse') throw new NightjarError('CLI_USAGE', `catalog ${name} is held in memory by each worker (backend "memory"); set "backend": "clickhouse" to load it into ClickHouse`);
        return found;
      });
      const client = createClickHouse(config);
      try {
        for (const catalog of chosen) {
          const { rows, skippedRows } = await loadCatalogIntoClickHouse(client, config.clickhouse.database, catalog, logger);
          process.stdout.write(`${catalog.name}: ${rows} sources loaded${skippedRows > 0 ? `, ${skippedRows} rows skipped (invalid position)` : ''}\n`);
        }
      } finally {
        await client.close();
      }
      return 0;
    }
    throw new NightjarError('CLI_USAGE', `usage: nightjar ${usage}`);
  },
};
