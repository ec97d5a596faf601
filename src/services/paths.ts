import { resolve } from 'node:path';
import type { Config } from '../config/index.js';

/** The absolute state directory (config.stateDir is relative to the working directory). */
export function stateRoot(config: Config): string {
  return resolve(config.stateDir);
}
