import { envName, loadConfig, type Config } from '../config/index.js';
import { isNightjarError } from '../errors/index.js';
import { createLogger, type Logger } from '../log/logger.js';
import { commands } from './commands.js';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(argv: string[], ctx: CommandContext): Promise<number>;
  /** Long-running service commands log at the configured level; tools print results and log only warnings unless NIGHTJAR_LOG_LEVEL says otherwise. */
  service?: boolean;
}

/** `nightjar <command> [args]`: loads and validates the configuration once, then dispatches. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(helpText());
    return name === undefined ? 1 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`nightjar: unknown command "${name}"\n\n${helpText()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: nightjar ${command.usage}\n\n${command.summary}\n`);
    return 0;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`nightjar: ${(err as Error).message}\n`);
    return 2;
  }
  const level = command.service || process.env[envName('log.level')] !== undefined ? config.log.level : 'warn';
  const logger = createLogger(level);
  try {
    return await command.run(rest, { config, logger });
  } catch (err) {
    const prefix = isNightjarError(err) ? `${err.code}: ` : '';
    process.stderr.write(`nightjar ${name}: ${prefix}${err instanceof Error ? err.message : String(err)}\n`);
    logger.debug({ err }, 'command failed');
    return 1;
  } finally {
    logger.flush();
  }
}

function helpText(): string {
  const lines = commands.flatMap((c) => [`  nightjar ${c.usage}`, `      ${c.summary}`]);
  return [
    'Nightjar: an alert broker for ZTF and Rubin/LSST alert streams.',
    '',
    'usage:',
    ...lines,
    '',
    'Configuration: NIGHTJAR_* environment variables or a JSON file named by NIGHTJAR_CONFIG (see docs/configuration.md).',
    '',
  ].join('\n');
}
