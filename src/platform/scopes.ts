import { NightjarError } from '../errors/index.js';

/**
 * What a token may do. Scopes nest: `write` includes `read`, `admin` includes both. `admin` is
 * only effective for a user who is an administrator; it is never granted to anyone else.
 */
export const scopes = ['read', 'write', 'admin'] as const;
export type Scope = (typeof scopes)[number];

const includes: Record<Scope, readonly Scope[]> = {
  read: ['read'],
  write: ['read', 'write'],
  admin: ['read', 'write', 'admin'],
};

export function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}

/** Whether the granted scopes cover the needed one. */
export function grants(granted: readonly Scope[], needed: Scope): boolean {
  return granted.some((scope) => includes[scope].includes(needed));
}

/** `read,write` → ['read', 'write']; unknown or empty lists are a clear error. */
export function parseScopes(text: string): Scope[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = list.filter((s) => !isScope(s));
  if (unknown.length > 0) throw new NightjarError('REQUEST_INVALID', `unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}; allowed scopes: ${scopes.join(', ')}`);
  if (list.length === 0) throw new NightjarError('REQUEST_INVALID', `no scopes given; allowed scopes: ${scopes.join(', ')}`);
  return [...new Set(list)] as Scope[];
}
