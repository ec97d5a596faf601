import type { Config } from '../config/index.js';
import { createKafka } from '../kafka/client.js';
import type { Logger } from '../log/logger.js';
import { createPlatform, type Platform } from '../platform/platform.js';

/** Runs fn with users and tokens followed from the broker (caught up first), then disconnects. */
export async function withPlatform<T>(config: Config, logger: Logger, fn: (platform: Platform) => Promise<T>): Promise<T> {
  const platform = createPlatform(createKafka(config, logger), config, logger);
  try {
    await platform.start();
    return await fn(platform);
  } finally {
    await platform.stop();
  }
}
