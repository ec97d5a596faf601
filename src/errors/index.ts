import { errorCatalogue, type ErrorCode } from './catalogue.js';

export { errorCatalogue, isErrorCode, type ErrorCode } from './catalogue.js';

export interface NightjarErrorOptions {
  cause?: unknown;
  /** Overrides the catalogue's retriable flag for this instance (e.g. a transient I/O cause). */
  retriable?: boolean;
  /** Structured context safe to log and return to a client (never secrets). */
  details?: Record<string, unknown>;
}

/** The one error class: a catalogue code, a human message, and whether a retry can help. */
export class NightjarError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly status: number;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: NightjarErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'NightjarError';
    this.code = code;
    this.status = errorCatalogue[code].status;
    this.retriable = options.retriable ?? errorCatalogue[code].retriable;
    this.details = options.details ?? {};
  }

  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isNightjarError(err: unknown, code?: ErrorCode): err is NightjarError {
  return err instanceof NightjarError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a NightjarError, keeping the original as `cause`. */
export function asNightjarError(err: unknown, fallback: ErrorCode = 'INTERNAL'): NightjarError {
  if (err instanceof NightjarError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new NightjarError(fallback, message, { cause: err });
}
