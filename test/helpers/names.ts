import { randomBytes } from 'node:crypto';

/**
 * A name no other test run has used: prefix, time and randomness. Topics, groups and transactional
 * ids built from it never collide across tests, files or parallel runs on one broker.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
