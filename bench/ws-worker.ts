/** The worker role for bench/ws-pipeline.ts, in its own process (config from BENCH_CONFIG). */
import { startRoles } from '../src/cli/run.js';
import type { Config } from '../src/config/index.js';
import { silentLogger } from '../src/log/logger.js';

const config = JSON.parse(process.env.BENCH_CONFIG!) as Config;
const running = await startRoles(['worker'], { config, logger: silentLogger() }, { signals: false });
process.send!({ type: 'ready' });
process.on('message', (message: { type: string }) => {
  if (message.type === 'stop') void running.stop().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
