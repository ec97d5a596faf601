import type { Logger } from '../log/logger.js';
import type { Platform } from './platform.js';

/** The first administrator's name and token lifetime (90 days; `nightjar token create` makes more). */
export const FIRST_ADMIN = 'admin';
const FIRST_TOKEN_LIFETIME_MS = 90 * 86_400_000;

/**
 * Makes sure someone can administer a fresh installation: when no enabled administrator exists,
 * creates user `admin` (if missing) and an admin token, returned so `nightjar up` can print it once.
 */
export async function ensureFirstAdmin(platform: Platform, logger: Logger): Promise<{ created: boolean; token?: string }> {
  if (platform.users.hasAdmin()) return { created: false };
  const existing = platform.users.get(FIRST_ADMIN);
  if (existing && (!existing.admin || existing.disabled)) {
    logger.warn({ user: FIRST_ADMIN }, 'no administrator exists and user "admin" is not one; create one with `nightjar user create NAME --admin`');
    return { created: false };
  }
  if (!existing) await platform.users.create({ name: FIRST_ADMIN, admin: true });
  const { record, token } = await platform.tokens.issue({ owner: FIRST_ADMIN, scopes: ['read', 'write', 'admin'], lifetimeMs: FIRST_TOKEN_LIFETIME_MS, name: 'first administrator', createdBy: 'nightjar up' });
  logger.info({ user: FIRST_ADMIN, tokenPrefix: record.prefix }, 'created the first administrator');
  return { created: true, token };
}
