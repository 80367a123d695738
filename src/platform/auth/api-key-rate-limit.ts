import type {} from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.ts';

/** Checks one request authenticated by API key against that key's limit; throws a 429 when it is spent. */
export type ApiKeyRateLimit = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/**
 * The per-key rate limit: `rateLimitPerMinute` of the key, else `defaultPerMinute`
 * (0: no limit unless the key sets one). Counted per key across every route, in the
 * rate-limit plugin's store (Redis shared by every process, falling back to
 * in-process counters while Redis is down: rate-limit-store.ts). It comes on top of
 * the per-IP limit, so a key cannot exceed its own budget from many addresses.
 */
export function apiKeyRateLimit(app: FastifyInstance, defaultPerMinute: number): ApiKeyRateLimit {
  const limitOf = (request: FastifyRequest): number =>
    request.actor?.apiKey?.rateLimitPerMinute ?? defaultPerMinute;
  const check = app.createRateLimit({
    timeWindow: 60_000,
    // The prefix is random: counters of databases that share one Redis (tests, staging) never meet.
    keyGenerator: (request) =>
      `api-key:${request.actor?.apiKey?.id ?? 0}:${request.actor?.apiKey?.prefix ?? ''}`,
    max: (request) => limitOf(request),
  });
  return async (request, reply) => {
    if (!request.actor?.apiKey || limitOf(request) === 0) return;
    const result = await check(request);
    if (result.isAllowed || !result.isExceeded) return;
    reply.header('retry-after', String(result.ttlInSeconds));
    throw new AppError(
      'API_KEY_RATE_LIMITED',
      'rate_limited',
      `This API key has made more than ${result.max} requests in a minute; retry in ${result.ttlInSeconds} seconds.`,
    );
  };
}
