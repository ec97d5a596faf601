import { pino, type Logger } from 'pino';
import type { LogLevel } from '../config/index.js';

export type { Logger } from 'pino';

/**
 * The root logger: JSON lines on stderr, so stdout stays free for command output
 * (e.g. `nightjar decode`). Components take a child: `logger.child({ component: 'runner' })`.
 * Anything named like a credential is redacted wherever it appears in a log record.
 */
export function createLogger(level: LogLevel = 'info'): Logger {
  return pino(
    {
      level,
      base: { service: 'nightjar' },
      redact: { paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'password', '*.password'], censor: '[redacted]' },
    },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
