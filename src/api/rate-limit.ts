import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { NightjarError } from '../errors/index.js';
import { tokenFromHeaders } from '../platform/auth.js';
import { hashToken } from '../platform/tokens.js';

export interface RateLimitSettings {
  /** Requests per window per token (per client address for requests without a token). */
  max: number;
  timeWindowMs: number;
}

export const defaultRateLimit: RateLimitSettings = { max: 600, timeWindowMs: 60_000 };

/** Requests are counted per token (by its hash, never the secret) or, without one, per address. */
export function rateLimitKey(headers: Record<string, string | string[] | undefined>, ip: string): string {
  const token = tokenFromHeaders(headers);
  return token ? `token:${hashToken(token)}` : `ip:${ip}`;
}

/** Per-process counters (in memory): with N API processes behind a balancer a token gets up to N × max. */
export async function registerRateLimit(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  await app.register(rateLimit, {
    max: settings.max,
    timeWindow: settings.timeWindowMs,
    keyGenerator: (request) => rateLimitKey(request.headers, request.ip),
    errorResponseBuilder: (_request, context) =>
      new NightjarError('RATE_LIMITED', `more than ${context.max} requests in ${Math.round(settings.timeWindowMs / 1000)} s; retry in ${context.after}`, { details: { limit: context.max, retryAfterMs: context.ttl } }),
  });
}
