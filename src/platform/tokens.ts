import { createHash, randomBytes } from 'node:crypto';
import { NightjarError } from '../errors/index.js';
import { isScope, type Scope } from './scopes.js';
import type { KeyedState } from './state.js';

/** Every Nightjar token starts with this, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'nj_';
/** Characters of the secret kept as a non-secret label (`nj_` + 6 of 43 base64url characters). */
const DISPLAY_CHARS = 6;
const tokenPattern = /^nj_[A-Za-z0-9_-]{43}$/;

/**
 * A token as stored: never the secret, only its SHA-256 (the record's key and id), so a copy of
 * the topic or a log line cannot be replayed as a credential. Revocation publishes the record
 * again with revokedAt set; every process follows the topic, so it takes effect within seconds.
 */
export interface TokenRecord {
  id: string;
  owner: string;
  name: string;
  scopes: Scope[];
  /** `nj_` and the first characters of the secret: enough to tell one's tokens apart, not to use one. */
  prefix: string;
  createdAt: string;
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface NewToken {
  /** The secret, shown once to whoever created it. */
  token: string;
  record: TokenRecord;
}

/** 256 random bits, base64url, with the recognisable prefix. */
export function generateSecret(random: (n: number) => Buffer = randomBytes): string {
  return TOKEN_PREFIX + random(32).toString('base64url');
}

/** The token's id: hex SHA-256 of the whole secret. Looking a token up by its hash needs no timing-safe compare. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function looksLikeToken(text: string): boolean {
  return tokenPattern.test(text);
}

export function displayPrefix(secret: string): string {
  return secret.slice(0, TOKEN_PREFIX.length + DISPLAY_CHARS);
}

/** Why a stored token cannot be used now, or null when it can. */
export function tokenProblem(record: TokenRecord, now: Date): 'revoked' | 'expired' | null {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && Date.parse(record.expiresAt) <= now.getTime()) return 'expired';
  return null;
}

export function parseTokenRecord(value: unknown, key: string): TokenRecord {
  const r = value as Partial<TokenRecord>;
  if (typeof r !== 'object' || r === null) throw new Error('not an object');
  if (r.id !== key || !/^[0-9a-f]{64}$/.test(key)) throw new Error('id is not the SHA-256 key');
  if (typeof r.owner !== 'string' || !Array.isArray(r.scopes) || !r.scopes.every((s) => typeof s === 'string' && isScope(s))) throw new Error('owner or scopes malformed');
  return r as TokenRecord;
}

export interface IssueOptions {
  owner: string;
  scopes: Scope[];
  /** Lifetime in ms; null for a token that does not expire. */
  lifetimeMs: number | null;
  name?: string;
  createdBy?: string;
}

/** Tokens on the compacted tokens topic. */
export class TokenStore {
  constructor(
    readonly state: KeyedState<TokenRecord>,
    private readonly clock: () => Date = () => new Date(),
    private readonly random: (n: number) => Buffer = randomBytes,
  ) {}

  start(): Promise<void> {
    return this.state.start();
  }

  stop(): Promise<void> {
    return this.state.stop();
  }

  get(id: string): TokenRecord | undefined {
    return this.state.get(id);
  }

  /** The stored record of a secret, if any (whatever its state). */
  lookup(secret: string): TokenRecord | undefined {
    return looksLikeToken(secret) ? this.state.get(hashToken(secret)) : undefined;
  }

  ownedBy(owner: string): TokenRecord[] {
    return this.state.values().filter((t) => t.owner === owner).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  all(): TokenRecord[] {
    return this.state.values();
  }

  async issue(options: IssueOptions): Promise<NewToken> {
    if (options.scopes.length === 0) throw new NightjarError('REQUEST_INVALID', 'a token needs at least one scope');
    const now = this.clock();
    const token = generateSecret(this.random);
    const record: TokenRecord = {
      id: hashToken(token),
      owner: options.owner,
      name: options.name ?? '',
      scopes: [...new Set(options.scopes)],
      prefix: displayPrefix(token),
      createdAt: now.toISOString(),
      createdBy: options.createdBy ?? options.owner,
      expiresAt: options.lifetimeMs === null ? null : new Date(now.getTime() + options.lifetimeMs).toISOString(),
      revokedAt: null,
    };
    await this.state.publish(record.id, record);
    return { token, record };
  }

  /** Revokes a token (idempotent: an already revoked one keeps its first revocation time). */
  async revoke(id: string): Promise<TokenRecord> {
    const record = this.state.get(id);
    if (!record) throw new NightjarError('NOT_FOUND', `no token ${id}`);
    if (record.revokedAt !== null) return record;
    const revoked = { ...record, revokedAt: this.clock().toISOString() };
    await this.state.publish(id, revoked);
    return revoked;
  }
}
