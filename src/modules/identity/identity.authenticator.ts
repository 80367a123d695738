import { LRUCache } from 'lru-cache';
import type { Actor } from '../../platform/auth/actor.ts';
import type { Authenticator } from '../../platform/auth/authenticate.ts';
import { digest } from '../../platform/auth/secrets.ts';
import type { InvalidationBus } from '../../platform/cache/invalidation.ts';
import type { Database } from '../../platform/db/client.ts';
import * as repository from './identity.repository.ts';
import type { User } from './identity.tables.ts';

/** Sliding sessions and token "last used" are written at most this often, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;
/** A safety net only: every change that matters invalidates at once (see invalidation.ts). */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;

/** The invalidation key of everything cached for a user: every change to them or their credentials publishes it. */
export const userKey = (userId: number): string => `user:${userId}`;

interface CachedCredential {
  actor: Actor;
  /** When the credential stops working on its own (session or token expiry), ms since epoch. */
  expiresAt: number | null;
  lastSeenAt: number;
  tokenId?: number;
}

export function actorOf(user: User, via: Actor['via'], sessionKey?: string): Actor {
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    departmentId: user.departmentId,
    isStaff: user.isStaff || user.role === 'admin' || user.role === 'manager',
    isSuperuser: user.isSuperuser,
    via,
    ...(sessionKey && { sessionKey }),
  };
}

/**
 * Sessions and API tokens resolved to their actor, kept in this process keyed by the
 * credential's digest, so an authenticated request costs no database round trip.
 * Correctness rests on the invalidation bus: every change to a user (password, role,
 * department, activity, any field of the actor) and every logout or token revoke
 * publishes `user:<id>` in its transaction, which drops every credential of that user
 * from every process before the changing request returns. Expiry is checked here on
 * each hit. While the bus is not listening, the cache is bypassed entirely.
 *
 * The sliding expiry ("touch") is written at most once a minute per credential and
 * process, without holding the request: losing one only shortens a session's life.
 */
export function createAuthenticator({
  db,
  invalidation,
  sessionTtlMs,
}: {
  db: Database;
  invalidation: InvalidationBus;
  sessionTtlMs: number;
}): Pick<Authenticator, 'fromSession' | 'fromToken'> {
  const cache = new LRUCache<string, CachedCredential>({ max: CACHE_MAX, ttl: CACHE_TTL_MS });

  invalidation.subscribe((invalidated) => {
    if (invalidated === 'everything') {
      cache.clear();
      return;
    }
    const users = new Set(invalidated);
    for (const [key, entry] of cache.entries()) {
      if (users.has(userKey(entry.actor.userId))) cache.delete(key);
    }
  });

  function cached(cacheKey: string): CachedCredential | undefined {
    if (!invalidation.trusted) return undefined;
    const entry = cache.get(cacheKey);
    if (entry?.expiresAt !== null && entry?.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
      cache.delete(cacheKey);
      return undefined;
    }
    return entry;
  }

  /** Keeps what was read at `epoch` only if nothing was invalidated since: it might predate the change. */
  function keep(cacheKey: string, entry: CachedCredential, epoch: number): void {
    if (invalidation.trusted && invalidation.epoch === epoch) cache.set(cacheKey, entry);
  }

  function touchDue(entry: CachedCredential): boolean {
    const now = Date.now();
    if (now - entry.lastSeenAt <= TOUCH_INTERVAL_MS) return false;
    entry.lastSeenAt = now;
    return true;
  }

  function touchSession(key: string, entry: CachedCredential): void {
    if (!touchDue(entry)) return;
    entry.expiresAt = Date.now() + sessionTtlMs;
    // An UPDATE cannot bring back a session deleted meanwhile; a failed one only shortens its life.
    repository.extendSession(db, key, new Date(entry.expiresAt)).catch(() => undefined);
  }

  function touchToken(entry: CachedCredential): void {
    if (entry.tokenId === undefined || !touchDue(entry)) return;
    repository.touchToken(db, entry.tokenId).catch(() => undefined);
  }

  return {
    async fromSession(sessionToken) {
      const key = digest(sessionToken);
      const cacheKey = `s:${key}`;
      let entry = cached(cacheKey);
      if (!entry) {
        const epoch = invalidation.epoch;
        const found = await repository.activeSession(db, key);
        if (!found) return undefined;
        entry = {
          actor: actorOf(found.user, 'session', key),
          expiresAt: found.expiresAt.getTime(),
          lastSeenAt: found.lastSeenAt?.getTime() ?? 0,
        };
        keep(cacheKey, entry, epoch);
      }
      touchSession(key, entry);
      return entry.actor;
    },

    async fromToken(apiToken) {
      const cacheKey = `t:${digest(apiToken)}`;
      let entry = cached(cacheKey);
      if (!entry) {
        const epoch = invalidation.epoch;
        const found = await repository.activeToken(db, digest(apiToken));
        if (!found) return undefined;
        entry = {
          actor: actorOf(found.user, 'token'),
          expiresAt: found.expiresAt?.getTime() ?? null,
          lastSeenAt: found.lastSeenAt?.getTime() ?? 0,
          tokenId: found.tokenId,
        };
        keep(cacheKey, entry, epoch);
      }
      touchToken(entry);
      return entry.actor;
    },
  };
}
