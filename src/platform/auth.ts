import { NightjarError } from '../errors/index.js';
import { grants, type Scope } from './scopes.js';
import { hashToken, looksLikeToken, tokenProblem, type TokenRecord } from './tokens.js';
import type { UserRecord } from './users.js';

/** Who a request acts for, once its token was accepted. */
export interface Principal {
  user: string;
  /** The user is an administrator and the token carries the admin scope. */
  admin: boolean;
  scopes: Scope[];
  tokenId: string;
}

export interface CredentialLookup {
  token(id: string): TokenRecord | undefined;
  user(name: string): UserRecord | undefined;
}

type Headers = Record<string, string | string[] | undefined>;

/**
 * The token a request carries: `Authorization: Bearer <token>` or `X-Nightjar-Token: <token>`.
 * Undefined when there is none; an Authorization header of another scheme counts as none.
 */
export function tokenFromHeaders(headers: Headers): string | undefined {
  const authorization = single(headers.authorization);
  const bearer = authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
  return bearer ?? (single(headers['x-nightjar-token'])?.trim() || undefined);
}

/**
 * Accepts a token or says why not, following the seed job API's convention: no token is a client
 * mistake (400 AUTH_TOKEN_MISSING); a token that is unknown, expired, revoked or belongs to a
 * missing or disabled user is refused (403 AUTH_TOKEN_INVALID). The message never echoes the token.
 */
export function authenticate(secret: string | undefined, lookup: CredentialLookup, now: Date): Principal {
  if (secret === undefined) throw new NightjarError('AUTH_TOKEN_MISSING', 'send a token as "Authorization: Bearer <token>" or "X-Nightjar-Token: <token>"');
  const record = looksLikeToken(secret) ? lookup.token(hashToken(secret)) : undefined;
  if (!record) throw new NightjarError('AUTH_TOKEN_INVALID', 'the token is not known');
  const problem = tokenProblem(record, now);
  if (problem) throw new NightjarError('AUTH_TOKEN_INVALID', `the token (${record.prefix}…) is ${problem}`);
  const user = lookup.user(record.owner);
  if (!user || user.disabled) throw new NightjarError('AUTH_TOKEN_INVALID', `the token's user ${record.owner} is ${user ? 'disabled' : 'unknown'}`);
  const admin = user.admin && record.scopes.includes('admin');
  // A non-administrator's token never acts with the admin scope, whatever the record says.
  const scopes = admin ? record.scopes : record.scopes.filter((s) => s !== 'admin');
  return { user: user.name, admin, scopes, tokenId: record.id };
}

export function requireScope(principal: Principal, needed: Scope): void {
  if (!grants(principal.scopes, needed)) {
    throw new NightjarError('AUTH_SCOPE', `this request needs the ${needed} scope; the token has ${principal.scopes.join(', ') || 'none'}`, { details: { needed, granted: principal.scopes } });
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
