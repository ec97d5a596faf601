import { NightjarError } from '../errors/index.js';

const unitMs: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** Largest token lifetime accepted (10 years): keeps expiry dates inside what Date and ISO strings hold. */
const MAX_MS = 3_650 * 86_400_000;

/**
 * A token lifetime as people write it: `90m`, `12h`, `30d`, `2w`, or `never` (null: no expiry).
 */
export function parseDuration(text: string): number | null {
  if (text === 'never') return null;
  const m = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (!m) throw new NightjarError('REQUEST_INVALID', `lifetime "${text}" must be a number followed by m, h, d or w (e.g. 30d), or "never"`);
  const ms = Number(m[1]) * unitMs[m[2]!]!;
  if (ms <= 0 || ms > MAX_MS) throw new NightjarError('REQUEST_INVALID', `lifetime "${text}" must be more than 0 and at most 3650d`);
  return ms;
}
