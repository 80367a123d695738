import { LRUCache } from 'lru-cache';
import type { Actor } from '../../platform/auth/actor.ts';
import type { Authenticator } from '../../platform/auth/authenticate.ts';
import { actorOf, userKey } from './identity.authenticator.ts';
import type { IdentityDeps } from './identity.context.ts';
import type { AccessTokens } from './identity.jwt.ts';
import { userOfLiveFamily } from './identity.repository.jwt.ts';

/** A safety net only: every change that matters invalidates at once (see invalidation.ts). */
const CACHE_TTL_MS = 60_000;
const CACHE_MAX = 10_000;

/**
 * JWT access tokens turned into actors. The signature and claims are checked without
 * the database (identity.jwt.ts); the actor then comes from the token's login (`sid`,
 * its refresh-token family), cached per process and family like sessions are
 * (identity.authenticator.ts) and dropped by the same `user:<id>` invalidation. So a
 * deactivated user, a role change, a logout, a password change or a revoked family
 * takes effect on the very next request, not when the token expires.
 */
export function createJwtAuthentication(
  { db, invalidation }: Pick<IdentityDeps, 'db' | 'invalidation'>,
  accessTokens: AccessTokens,
): Pick<Authenticator, 'fromJwt'> {
  const cache = new LRUCache<number, Actor>({ max: CACHE_MAX, ttl: CACHE_TTL_MS });

  invalidation.subscribe((invalidated) => {
    if (invalidated === 'everything') {
      cache.clear();
      return;
    }
    const users = new Set(invalidated);
    for (const [familyId, actor] of cache.entries()) {
      if (users.has(userKey(actor.userId))) cache.delete(familyId);
    }
  });

  async function actorOfFamily(familyId: number): Promise<Actor | undefined> {
    const hit = invalidation.trusted ? cache.get(familyId) : undefined;
    if (hit) return hit;
    const epoch = invalidation.epoch;
    const user = await userOfLiveFamily(db, familyId);
    if (!user) return undefined;
    const actor: Actor = { ...actorOf(user, 'jwt'), refreshFamilyId: familyId };
    // Kept only if nothing was invalidated during the read, which might predate the change.
    if (invalidation.trusted && invalidation.epoch === epoch) cache.set(familyId, actor);
    return actor;
  }

  return {
    async fromJwt(token) {
      const claims = await accessTokens.verify(token);
      if (!claims) return undefined;
      const actor = await actorOfFamily(claims.familyId);
      return actor?.userId === claims.userId ? actor : undefined;
    },
  };
}
